/**
 * Commands on a message set, each with an optional UID prefix (RFC 3501 §6.4.4–6.4.8,
 * RFC 9051 §6.4.5–6.4.9, MOVE RFC 6851, UID EXPUNGE RFC 4315 §2.1):
 *
 *   copy        = "COPY" SP sequence-set SP mailbox
 *   move        = "MOVE" SP sequence-set SP mailbox
 *   expunge     = "EXPUNGE"                       ; "UID EXPUNGE" SP sequence-set
 *   store       = "STORE" SP sequence-set SP store-att-flags
 *   store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag)))
 *
 * STORE's modifiers (`STORE 1 (UNCHANGEDSINCE n) …`, RFC 7162) are in condstore-args.ts.
 */
import { SP } from '../chars.ts';
import type { Scanner } from '../lexer.ts';
import type { CopyCommand, ExpungeCommand, StoreCommand, StoreOperation } from '../types.ts';
import type { WireWriter } from '../wire-writer.ts';
import { parseFlag, parseFlagList, parseKeyword, parseMailbox, parseSequence, writeFlagList, writeSequence, type ParseContext } from './common.ts';
import { parseStoreModifiers, writeStoreModifiers } from './condstore-args.ts';

export function parseCopy(name: 'COPY' | 'MOVE'): (s: Scanner, ctx: ParseContext) => CopyCommand {
  return (s, ctx) => {
    s.sp();
    const sequence = parseSequence(s);
    s.sp();
    return { tag: ctx.tag, name, uid: ctx.uid, sequence, mailbox: parseMailbox(s, ctx) };
  };
}

export function writeCopy(w: WireWriter, c: CopyCommand): void {
  w.sp();
  writeSequence(w, c.sequence);
  w.sp().mailbox(c.mailbox);
}

export function parseExpunge(s: Scanner, ctx: ParseContext): ExpungeCommand {
  if (!ctx.uid) return { tag: ctx.tag, name: 'EXPUNGE', uid: false };
  s.sp();
  return { tag: ctx.tag, name: 'EXPUNGE', uid: true, sequence: parseSequence(s) };
}

export function writeExpunge(w: WireWriter, c: ExpungeCommand): void {
  if (!c.uid) return;
  w.sp();
  writeSequence(w, c.sequence);
}

const OPERATIONS: Record<string, StoreOperation> = { '': 'replace', '+': 'add', '-': 'remove' };
const PREFIX: Record<StoreOperation, string> = { replace: '', add: '+', remove: '-' };

export function parseStore(s: Scanner, ctx: ParseContext): StoreCommand {
  s.sp();
  const sequence = parseSequence(s);
  s.sp();
  const mods: Pick<StoreCommand, 'unchangedSince'> = {};
  if (s.peek() === 0x28) {
    parseStoreModifiers(s, mods);
    s.sp();
  }
  const sign = s.accept(0x2b) ? '+' : s.accept(0x2d) ? '-' : '';
  const item = parseKeyword(s, 'FLAGS');
  if (item !== 'FLAGS' && item !== 'FLAGS.SILENT') s.fail('Expected FLAGS, +FLAGS or -FLAGS');
  s.sp();
  let flags: string[];
  if (s.peek() === 0x28) flags = parseFlagList(s);
  else {
    flags = [parseFlag(s)];
    while (s.accept(SP)) flags.push(parseFlag(s));
  }
  return { tag: ctx.tag, name: 'STORE', uid: ctx.uid, sequence, operation: OPERATIONS[sign]!, silent: item === 'FLAGS.SILENT', flags, ...mods };
}

export function writeStore(w: WireWriter, c: StoreCommand): void {
  w.sp();
  writeSequence(w, c.sequence);
  w.sp();
  writeStoreModifiers(w, c);
  w.raw(`${PREFIX[c.operation]}FLAGS${c.silent ? '.SILENT' : ''} `);
  writeFlagList(w, c.flags);
}
