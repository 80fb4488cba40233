/**
 * Argument productions shared by several command families, each with its parse and write side
 * so that the two stay inverse: mailbox names (RFC 3501 §5.1.3 modified UTF-7, or UTF-8 after
 * ENABLE UTF8=ACCEPT), sequence sets, flags and flag lists (§9 `flag`, `flag-list`).
 */
import { BACKSLASH, isDigit, isListChar } from '../chars.ts';
import type { Scanner } from '../lexer.ts';
import { decodeMutf7 } from '../mutf7.ts';
import { formatSequenceSet, parseSequenceSet, type SequenceSet } from '../sequence-set.ts';
import type { WireWriter } from '../wire-writer.ts';

/** What a command parser knows besides the scanner: the tag, UID prefix and connection options. */
export interface ParseContext {
  tag: string;
  uid: boolean;
  utf8: boolean;
}

/**
 * `mailbox = "INBOX" / astring`, decoded. A name that is not canonical mUTF-7 is returned as sent
 * and marks the scanner, so the command fails MAILBOX_ENCODING only if the rest of it parses:
 * a well-formed command naming such a mailbox gets NO (LIST: no matches), as Dovecot answers.
 */
export function parseMailbox(s: Scanner, ctx: ParseContext): string {
  return decodeName(s, ctx, s.astring());
}

/** `list-mailbox = 1*list-char / string` (LIST/LSUB pattern), decoded like a mailbox name. */
export function parseListMailbox(s: Scanner, ctx: ParseContext): string {
  if (s.atString()) return decodeName(s, ctx, s.string());
  const bare = s.takeWhile(isListChar);
  if (bare.length === 0) s.fail('Expected mailbox pattern');
  return decodeName(s, ctx, bare);
}

function decodeName(s: Scanner, ctx: ParseContext, wire: string): string {
  if (ctx.utf8) return wire;
  const name = decodeMutf7(wire);
  if (name !== undefined) return name;
  s.badMailboxName = true;
  return wire;
}

const isSeqChar = (c: number): boolean => isDigit(c) || c === 0x3a || c === 0x2a || c === 0x2c || c === 0x24;

export function parseSequence(s: Scanner): SequenceSet {
  const set = parseSequenceSet(s.takeWhile(isSeqChar));
  if (set === undefined) s.fail('Invalid sequence set');
  return set;
}

export function writeSequence(w: WireWriter, set: SequenceSet): void {
  w.raw(formatSequenceSet(set));
}

/** `flag = "\" atom / atom` — `\*` is only for PERMANENTFLAGS and is refused here. */
export function parseFlag(s: Scanner): string {
  if (s.accept(BACKSLASH)) return '\\' + s.atom('flag');
  return s.atom('flag');
}

/** `flag-list = "(" [flag *(SP flag)] ")"` */
export function parseFlagList(s: Scanner): string[] {
  return s.list(() => parseFlag(s), true);
}

export function writeFlagList(w: WireWriter, flags: readonly string[]): void {
  w.list(flags, (f) => {
    if (f === '\\*') throw new RangeError('\\* is not a flag in commands');
    w.flag(f);
  });
}

/** An atom compared case-insensitively: returned upper-cased. */
export function parseKeyword(s: Scanner, what: string): string {
  return s.atom(what).toUpperCase();
}
