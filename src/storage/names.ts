/**
 * Folder names and flags as the API accepts them, shared by every store implementation. Pure.
 *
 * A folder name is segments joined by `/`. Each segment must be non-empty and must not contain `.`
 * (the Maildir++ hierarchy separator on disk, so also no `..` and no leading dot), NUL or other
 * control characters, `*` or `%` (LIST wildcards), or unpaired surrogates. The first segment `INBOX`
 * is case-insensitive and normalised to upper case. Refusals throw MailboxNameError.
 */
import { MailboxNameError, StorageError } from './errors.ts';
import { HIERARCHY_SEPARATOR, INBOX, SYSTEM_FLAGS } from './types.ts';

const MAX_NAME = 512;
const BAD_SEGMENT_CHAR = /[\u0000-\u001f\u007f.*%]/;

export function normaliseFolderName(name: string): string {
  if (typeof name !== 'string' || name.length === 0) throw new MailboxNameError(String(name), 'empty');
  if (name.length > MAX_NAME) throw new MailboxNameError(name, 'too long');
  if (!isWellFormed(name)) throw new MailboxNameError(name, 'not valid Unicode');
  const segments = name.split(HIERARCHY_SEPARATOR);
  for (const s of segments) {
    if (s.length === 0) throw new MailboxNameError(name, 'empty hierarchy level');
    if (BAD_SEGMENT_CHAR.test(s)) throw new MailboxNameError(name, 'dot, wildcard or control character in a level');
  }
  if (segments[0]!.toUpperCase() === INBOX) segments[0] = INBOX;
  return segments.join(HIERARCHY_SEPARATOR);
}

export function splitFolderName(normalised: string): string[] {
  return normalised.split(HIERARCHY_SEPARATOR);
}

/** Superior names, outermost first: `A/B/C` → [`A`, `A/B`]. */
export function parentNames(normalised: string): string[] {
  const segs = splitFolderName(normalised);
  return segs.slice(1).map((_, i) => segs.slice(0, i + 1).join(HIERARCHY_SEPARATOR));
}

export function isSameOrInferior(name: string, ancestor: string): boolean {
  return name === ancestor || name.startsWith(ancestor + HIERARCHY_SEPARATOR);
}

/** INBOX first, then by code unit order. */
export function sortFolderNames(names: Iterable<string>): string[] {
  return [...names].sort((a, b) => (a === INBOX ? -1 : b === INBOX ? 1 : a < b ? -1 : a > b ? 1 : 0));
}

function isWellFormed(s: string): boolean {
  try {
    encodeURIComponent(s);
    return true;
  } catch {
    return false;
  }
}

/** Internal dates are kept in whole seconds, like IMAP and the file mtime Dovecot reads. */
export function wholeSeconds(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

// IMAP flag-keyword = atom: no SP, CTL, ( ) { % * " \ ] and nothing outside ASCII.
const KEYWORD = /^[\x21\x23\x24\x26-\x27\x2b-\x5b\x5e-\x7a\x7c\x7e]{1,100}$/;
const SYSTEM_BY_LOWER = new Map<string, string>(SYSTEM_FLAGS.map((f) => [f.toLowerCase(), f]));

/**
 * Validates and normalises flags: system flags get their canonical spelling, `\Recent` is dropped
 * (it cannot be stored), keywords are kept as given but de-duplicated case-insensitively. Throws
 * StorageError BAD_FLAG for any other `\`-flag or a keyword that is not an atom.
 */
export function normaliseFlags(flags: Iterable<string>): Set<string> {
  const out = new Set<string>();
  const seen = new Set<string>();
  for (const f of flags) {
    const lower = String(f).toLowerCase();
    if (lower === '\\recent') continue;
    const system = SYSTEM_BY_LOWER.get(lower);
    if (system === undefined && !KEYWORD.test(f)) throw new StorageError('BAD_FLAG', `bad flag ${JSON.stringify(f)}`);
    if (seen.has(lower)) continue;
    seen.add(lower);
    out.add(system ?? f);
  }
  return out;
}

/** add/remove/replace, comparing keywords case-insensitively. `change` must be normalised. */
export function applyFlags(current: ReadonlySet<string>, change: ReadonlySet<string>, mode: 'add' | 'remove' | 'replace'): Set<string> {
  if (mode === 'replace') return new Set(change);
  const lowered = new Set([...change].map((f) => f.toLowerCase()));
  const kept = [...current].filter((f) => !lowered.has(f.toLowerCase()));
  return new Set(mode === 'add' ? [...kept, ...change] : kept);
}
