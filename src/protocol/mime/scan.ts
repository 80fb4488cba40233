/**
 * Linear-time text helpers for the header parsers. Regular expressions like `[ \t]+$`,
 * `\s*\(…\)\s*` or `[ \t]*=\r?\n` backtrack quadratically on a long run of white space or of
 * `(` that does not end the way they hope; on a 64 KB header that is seconds of CPU per message
 * (the fuzz targets found them, test/unit/fuzz/). These do the same in one pass.
 */

const isWsp = (c: number): boolean => c === 0x20 || c === 0x09;
const isLineWsp = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
const isLineTerminator = (c: number): boolean => c === 0x0a || c === 0x0d || c === 0x2028 || c === 0x2029;
/** JavaScript's `\s`. */
const isSpace = (c: number): boolean => (c >= 0x09 && c <= 0x0d) || c === 0x20 || c === 0xa0 || (c > 0xff && /\s/.test(String.fromCharCode(c)));

/** Without trailing spaces and tabs (`/[ \t]+$/` removed). */
export function trimEndWsp(s: string): string {
  let e = s.length;
  while (e > 0 && isWsp(s.charCodeAt(e - 1))) e--;
  return e === s.length ? s : s.slice(0, e);
}

/** Without leading spaces and tabs nor trailing spaces, tabs, CR and LF (`/^[ \t]+|[ \t\r\n]+$/g` removed). */
export function trimFieldValue(s: string): string {
  let b = 0;
  let e = s.length;
  while (b < e && isWsp(s.charCodeAt(b))) b++;
  while (e > b && isLineWsp(s.charCodeAt(e - 1))) e--;
  return b === 0 && e === s.length ? s : s.slice(b, e);
}

/**
 * `s.replace(/\([^)]*\)/g, by)`: each `(` up to the next `)` becomes `by`; from a `(` that no `)`
 * follows, the rest stays as it is.
 */
export function replaceComments(s: string, by: string): string {
  let open = s.indexOf('(');
  if (open < 0) return s;
  let out = '';
  let from = 0;
  for (; open >= 0; open = s.indexOf('(', from)) {
    const close = s.indexOf(')', open + 1);
    if (close < 0) break;
    out += s.slice(from, open) + by;
    from = close + 1;
  }
  return out + s.slice(from);
}

/**
 * `s.replace(/\s*\((?:[^()\\]|\\.)*\)\s*\/g, ' ')`: a comment without nested parentheses
 * (backslash escapes inside), with the white space around it, becomes one space.
 */
export function spaceForComments(s: string): string {
  let out = '';
  let from = 0; // copied up to here
  let i = s.indexOf('(');
  while (i >= 0) {
    let j = i + 1;
    let close = -1;
    let retry = -1; // where the expression would try again: an inner `(`, or past a failed escape
    for (; j < s.length; j++) {
      const c = s.charCodeAt(j);
      if (c === 0x5c) {
        // `\\.`: `.` is no line terminator, and a backslash cannot stand for itself
        if (j + 1 >= s.length || isLineTerminator(s.charCodeAt(j + 1))) { retry = j + 1; break; }
        j++;
      } else if (c === 0x28) { retry = j; break; }
      else if (c === 0x29) { close = j; break; }
    }
    if (retry >= 0) { i = s.indexOf('(', retry); continue; }
    if (close < 0) break; // no `)` ahead: no later `(` can close either
    let b = i;
    while (b > from && isSpace(s.charCodeAt(b - 1))) b--;
    let e = close + 1;
    while (e < s.length && isSpace(s.charCodeAt(e))) e++;
    out += s.slice(from, b) + ' ';
    from = e;
    i = s.indexOf('(', e);
  }
  return out + s.slice(from);
}

/** `s.replace(/[ \t]*=\r?\n/g, '')`: quoted-printable soft line breaks and the white space before them removed. */
export function removeSoftBreaks(s: string): string {
  let out = '';
  let from = 0;
  for (let eq = s.indexOf('='); eq >= 0; eq = s.indexOf('=', eq + 1)) {
    let k = eq + 1;
    if (s.charCodeAt(k) === 0x0d && s.charCodeAt(k + 1) === 0x0a) k += 2;
    else if (s.charCodeAt(k) === 0x0a) k += 1;
    else continue;
    let b = eq;
    while (b > from && isWsp(s.charCodeAt(b - 1))) b--;
    out += s.slice(from, b);
    from = k;
    eq = k - 1;
  }
  return from === 0 ? s : out + s.slice(from);
}
