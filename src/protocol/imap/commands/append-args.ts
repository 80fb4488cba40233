/**
 * APPEND (RFC 3501 §6.3.11, RFC 9051 §6.3.12):
 *
 *   append = "APPEND" SP mailbox [SP flag-list] [SP date-time] SP literal
 *
 * The message is returned as raw bytes. Departure: NUL bytes in the message literal are accepted
 * (RFC 3501 `literal` forbids them, but real mail contains them and refusing helps nobody).
 * Not supported: literal8 / BINARY (RFC 3516), MULTIAPPEND (RFC 3502), CATENATE (RFC 4469).
 */
import { DQUOTE } from '../chars.ts';
import { formatDateTime, parseDateTime } from '../date-time.ts';
import type { Scanner } from '../lexer.ts';
import type { AppendCommand } from '../types.ts';
import type { WireWriter } from '../wire-writer.ts';
import { parseFlagList, parseMailbox, writeFlagList, type ParseContext } from './common.ts';

export function parseAppend(s: Scanner, ctx: ParseContext): AppendCommand {
  s.sp();
  const cmd: AppendCommand = { tag: ctx.tag, name: 'APPEND', mailbox: parseMailbox(s, ctx), message: Buffer.alloc(0) };
  s.sp();
  if (s.peek() === 0x28) {
    cmd.flags = parseFlagList(s);
    s.sp();
  }
  if (s.peek() === DQUOTE) {
    const date = parseDateTime(s.string());
    if (date === undefined) s.fail('Invalid date-time');
    cmd.date = date;
    s.sp();
  }
  cmd.message = s.literal();
  return cmd;
}

export function writeAppend(w: WireWriter, c: AppendCommand): void {
  w.sp().mailbox(c.mailbox).sp();
  if (c.flags !== undefined) {
    writeFlagList(w, c.flags);
    w.sp();
  }
  if (c.date !== undefined) w.raw(`"${formatDateTime(c.date)}"`).sp();
  w.literal(c.message);
}
