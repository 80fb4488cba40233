/**
 * Character classes of the IMAP formal syntax (RFC 3501 §9, unchanged in RFC 9051 §9), as byte
 * predicates shared by the lexer (what may appear bare on the wire) and the writers (when a string
 * can go out as an atom instead of a quoted string or literal). Pure, table-driven.
 *
 *   atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials / resp-specials
 *   ATOM-CHAR     = <any CHAR except atom-specials>        CHAR = %x01-7F
 *   ASTRING-CHAR  = ATOM-CHAR / resp-specials               resp-specials = "]"
 *   list-char     = ATOM-CHAR / list-wildcards / resp-specials   list-wildcards = "%" / "*"
 *   tag           = 1*<any ASTRING-CHAR except "+">
 */

const ATOM = new Uint8Array(256);
for (let c = 0x21; c <= 0x7e; c++) ATOM[c] = '(){%*"\\]'.includes(String.fromCharCode(c)) ? 0 : 1;

export const SP = 0x20;
export const DQUOTE = 0x22;
export const BACKSLASH = 0x5c;

export function isAtomChar(c: number): boolean {
  return ATOM[c] === 1;
}

export function isAStringChar(c: number): boolean {
  return ATOM[c] === 1 || c === 0x5d;
}

export function isListChar(c: number): boolean {
  return ATOM[c] === 1 || c === 0x25 || c === 0x2a || c === 0x5d;
}

export function isTagChar(c: number): boolean {
  return isAStringChar(c) && c !== 0x2b;
}

export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** True when every UTF-16 unit of `s` satisfies `pred` and `s` is not empty. */
export function allChars(s: string, pred: (c: number) => boolean): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!pred(s.charCodeAt(i))) return false;
  return true;
}

/** `1*ATOM-CHAR` */
export function isAtom(s: string): boolean {
  return allChars(s, isAtomChar);
}

/** A flag as commands carry it: `"\" atom` (system flag or flag-extension) or a flag-keyword atom. */
export function isFlag(s: string): boolean {
  return s.startsWith('\\') ? isAtom(s.slice(1)) : isAtom(s);
}

/** A tag the parser accepts and the writer may emit. */
export function isTag(s: string): boolean {
  return allChars(s, isTagChar);
}
