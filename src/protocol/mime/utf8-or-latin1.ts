/**
 * Text of undeclared 8-bit bytes (headers, bodies without a charset, or declaring US-ASCII or
 * UTF-8): every well-formed UTF-8 sequence (RFC 3629 §4: no overlongs, surrogates or code points
 * above U+10FFFF) is decoded as UTF-8, every byte outside one is taken as latin1. A stray byte in
 * UTF-8 text so costs that one character, not the whole text (SEARCH would miss every non-ASCII
 * word), and latin1 text, which is almost never well-formed UTF-8, stays readable. Pure; never throws.
 */
const strict = new TextDecoder('utf-8', { fatal: true });

/** Length of the well-formed UTF-8 sequence that starts at `b[i]` (a byte ≥ 0x80), or 0. */
function sequenceLength(b: Uint8Array, i: number): number {
  const c = b[i]!;
  let n: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) n = 2;
  else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c === 0xe0) lo = 0xa0; // overlong
    if (c === 0xed) hi = 0x9f; // surrogates
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c === 0xf0) lo = 0x90; // overlong
    if (c === 0xf4) hi = 0x8f; // above U+10FFFF
  } else return 0;
  if (i + n > b.length || b[i + 1]! < lo || b[i + 1]! > hi) return 0;
  for (let k = 2; k < n; k++) if (b[i + k]! < 0x80 || b[i + k]! > 0xbf) return 0;
  return n;
}

export function utf8OrLatin1(bytes: Buffer): string {
  try {
    return strict.decode(bytes);
  } catch {
    // mixed: decode the well-formed runs as UTF-8, the bytes between them one by one as latin1
  }
  const parts: string[] = [];
  let run = 0;
  for (let i = 0; i < bytes.length;) {
    if (bytes[i]! < 0x80) {
      i++;
      continue;
    }
    const n = sequenceLength(bytes, i);
    if (n > 0) {
      i += n;
      continue;
    }
    if (i > run) parts.push(bytes.toString('utf8', run, i));
    parts.push(String.fromCharCode(bytes[i]!));
    run = ++i;
  }
  if (run < bytes.length) parts.push(bytes.toString('utf8', run));
  return parts.join('');
}
