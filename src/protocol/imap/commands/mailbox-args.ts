/**
 * Commands whose arguments are mailbox names (RFC 3501 §6.3, RFC 9051 §6.3):
 *
 *   select / examine / create / delete / subscribe / unsubscribe = name SP mailbox
 *   rename = "RENAME" SP mailbox SP mailbox
 *   status = "STATUS" SP mailbox SP "(" status-att *(SP status-att) ")"
 *   status-att = "MESSAGES" / "RECENT" / "UIDNEXT" / "UIDVALIDITY" / "UNSEEN" / "DELETED" / "SIZE"
 *              / "DELETED-STORAGE" / "APPENDLIMIT"
 *
 * DELETED and SIZE are RFC 9051 additions; RECENT is RFC 3501 only, still accepted. DELETED and
 * DELETED-STORAGE come from RFC 9208 (QUOTA), which makes DELETED-STORAGE mandatory for a server
 * advertising QUOTA=RES-STORAGE (in its definition of the STORAGE resource).
 * APPENDLIMIT is RFC 7889 §3 (its value is a number, or NIL for no limit).
 * HIGHESTMODSEQ and SELECT / EXAMINE's `(CONDSTORE)` / `(QRESYNC …)` are RFC 7162's (condstore-args.ts).
 * LIST and LSUB are in list-args.ts.
 */
import type { Scanner } from '../lexer.ts';
import { STATUS_ITEMS, type MailboxCommand, type MailboxCommandName, type RenameCommand, type StatusCommand, type StatusItem } from '../types.ts';
import type { WireWriter } from '../wire-writer.ts';
import { parseKeyword, parseMailbox, type ParseContext } from './common.ts';
import { parseSelectParams, writeSelectParams } from './condstore-args.ts';

export function parseMailboxCommand(name: MailboxCommandName): (s: Scanner, ctx: ParseContext) => MailboxCommand {
  return (s, ctx) => {
    s.sp();
    const cmd: MailboxCommand = { tag: ctx.tag, name, mailbox: parseMailbox(s, ctx) };
    if ((name === 'SELECT' || name === 'EXAMINE') && s.accept(0x20)) cmd.select = parseSelectParams(s);
    return cmd;
  };
}

export function writeMailboxCommand(w: WireWriter, c: MailboxCommand): void {
  w.sp().mailbox(c.mailbox);
  writeSelectParams(w, c.select);
}

export function parseRename(s: Scanner, ctx: ParseContext): RenameCommand {
  s.sp();
  const mailbox = parseMailbox(s, ctx);
  s.sp();
  return { tag: ctx.tag, name: 'RENAME', mailbox, newName: parseMailbox(s, ctx) };
}

export function writeRename(w: WireWriter, c: RenameCommand): void {
  w.sp().mailbox(c.mailbox).sp().mailbox(c.newName);
}

/** One `status-att`, upper-cased; unknown ones fail SYNTAX. */
export function parseStatusItem(s: Scanner): StatusItem {
  const item = parseKeyword(s, 'status item');
  if (!(STATUS_ITEMS as readonly string[]).includes(item)) s.fail('Unknown status item');
  return item as StatusItem;
}

export function parseStatus(s: Scanner, ctx: ParseContext): StatusCommand {
  s.sp();
  const mailbox = parseMailbox(s, ctx);
  s.sp();
  return { tag: ctx.tag, name: 'STATUS', mailbox, items: s.list(() => parseStatusItem(s), false) };
}

export function writeStatus(w: WireWriter, c: StatusCommand): void {
  w.sp().mailbox(c.mailbox).sp().list(c.items, (i) => w.atom(i));
}
