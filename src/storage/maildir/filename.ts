/**
 * Maildir file names (maildir(5) with Dovecot's extensions): `<base>:2,<flags>`, where `<base>` is the
 * unique part (`<secs>.M<usecs>P<pid>Q<n>R<rand>.<host>,S=<size>[,W=<wire size>]`) and `<flags>` the info letters in
 * ASCII order: D=\Draft F=\Flagged R=\Answered S=\Seen T=\Deleted, a–z = keywords (dovecot-keywords).
 * Letters we do not know, and anything after a second `,` in the info, are kept as found, as Dovecot does.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

export const FLAG_LETTERS: Readonly<Record<string, string>> = {
  '\\Draft': 'D',
  '\\Flagged': 'F',
  '\\Answered': 'R',
  '\\Seen': 'S',
  '\\Deleted': 'T',
};
export const LETTER_FLAGS: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(FLAG_LETTERS).map(([f, l]) => [l, f]));

export interface ParsedName {
  /** Up to the first `:` — the key Dovecot's uidlist uses. */
  readonly base: string;
  /** Known letters: system flags D F R S T and keywords a–z. */
  readonly letters: string;
  /** Unknown letters, kept on rename. */
  readonly unknown: string;
  /** A further `,`-separated part of the info, kept verbatim. */
  readonly tail: string;
  /** From `,S=<n>` in the base, if present. */
  readonly size: number | undefined;
  /** From `,W=<n>` in the base (Dovecot's virtual size: the size with CRLF line ends), if present. */
  readonly wireSize: number | undefined;
}

export function parseName(name: string): ParsedName {
  const colon = name.indexOf(':');
  const base = colon < 0 ? name : name.slice(0, colon);
  const sizeMatch = /,S=(\d+)(?:,|$)/.exec(base);
  const size = sizeMatch ? Number(sizeMatch[1]) : undefined;
  const wireMatch = /,W=(\d+)(?:,|$)/.exec(base);
  const wireSize = wireMatch ? Number(wireMatch[1]) : undefined;
  const info = name.lastIndexOf(':');
  if (info < 0 || !name.startsWith('2,', info + 1)) return { base, letters: '', unknown: '', tail: '', size, wireSize };
  const rest = name.slice(info + 3);
  const comma = rest.indexOf(',');
  const flagPart = comma < 0 ? rest : rest.slice(0, comma);
  let letters = '';
  let unknown = '';
  for (const ch of flagPart) {
    if (LETTER_FLAGS[ch] !== undefined || (ch >= 'a' && ch <= 'z')) letters += ch;
    else unknown += ch;
  }
  return { base, letters, unknown, tail: comma < 0 ? '' : rest.slice(comma), size, wireSize };
}

/** `<base>:2,<sorted unique letters><tail>`. */
export function buildName(base: string, letters: Iterable<string>, tail = ''): string {
  return `${base}:2,${[...new Set(letters)].sort().join('')}${tail}`;
}

/** System flags only (keywords need the folder's dovecot-keywords, see MaildirFolder). */
export function splitName(name: string): { base: string; flags: Set<string> } {
  const p = parseName(name);
  return { base: p.base, flags: new Set([...p.letters].flatMap((l) => LETTER_FLAGS[l] ?? [])) };
}

/** `<base>:2,<letters of the system flags in flags>`; other flags are ignored. */
export function joinName(base: string, flags: Iterable<string>): string {
  return buildName(base, [...flags].flatMap((f) => FLAG_LETTERS[f] ?? []));
}

export function sizeFromBase(base: string): number | undefined {
  return parseName(base).size;
}

let counter = 0;
const host = hostname().replace(/[/:,\\]/g, '_') || 'localhost';

/**
 * A new unique base: time, process, counter and randomness, so nodes sharing storage never collide.
 * `wireSize`, when known (a wire-clean message: see util/crlf.ts), is recorded as `,W=` so readers
 * (our POP3, Dovecot) need not read the message to learn its CRLF size.
 */
export function uniqueBase(size: number, nowMs: number, wireSize?: number): string {
  const secs = Math.floor(nowMs / 1000);
  // zero-padded microseconds of the wall clock: name order is arrival order (UIDs follow it)
  const usecs = String((nowMs % 1000) * 1000 + Math.floor((performance.now() * 1000) % 1000)).padStart(6, '0');
  counter = (counter + 1) % 1_000_000_000;
  return `${secs}.M${usecs}P${process.pid}Q${counter}R${randomBytes(4).toString('hex')}.${host},S=${size}${wireSize === undefined ? '' : `,W=${wireSize}`}`;
}
