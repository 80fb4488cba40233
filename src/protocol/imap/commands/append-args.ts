/**
 * APPEND (RFC 3501 §6.3.11, RFC 9051 §6.3.12) with MULTIAPPEND (RFC 3502 §6), literal8 (BINARY,
 * RFC 3516 §4.4) and CATENATE (RFC 4469 §5):
 *
 *   append          = "APPEND" SP mailbox 1*append-message
 *   append-message  = append-opts SP append-data
 *   append-opts     = [SP flag-list] [SP date-time]
 *   append-data     = literal / literal8 / "CATENATE" SP "(" cat-part *(SP cat-part) ")"
 *   cat-part        = "TEXT" SP (literal / literal8) / "URL" SP astring
 *
 * Message data is returned as raw bytes. Departure: NUL bytes in a plain literal are accepted
 * (RFC 3501 `literal` forbids them, but real mail contains them and refusing helps nobody).
 * URLs are returned as sent; the server resolves them (RFC 5092 relative IMAP URLs).
 */
import { DQUOTE } from '../chars.ts';
import { formatDateTime, parseDateTime } from '../date-time.ts';
import type { Scanner } from '../lexer.ts';
import type { AppendCommand, AppendData, AppendMessage, CatenatePart } from '../types.ts';
import type { WireWriter } from '../wire-writer.ts';
import { parseFlagList, parseMailbox, writeFlagList, type ParseContext } from './common.ts';

export function parseAppend(s: Scanner, ctx: ParseContext): AppendCommand {
  s.sp();
  const cmd: AppendCommand = { tag: ctx.tag, name: 'APPEND', mailbox: parseMailbox(s, ctx), messages: [] };
  do {
    s.sp();
    cmd.messages.push(parseAppendMessage(s));
  } while (!s.atEnd());
  return cmd;
}

function parseAppendMessage(s: Scanner): AppendMessage {
  const m: Partial<AppendMessage> = {};
  if (s.peek() === 0x28) {
    m.flags = parseFlagList(s);
    s.sp();
  }
  if (s.peek() === DQUOTE) {
    const date = parseDateTime(s.string());
    if (date === undefined) s.fail('Invalid date-time');
    m.date = date;
    s.sp();
  }
  return { ...m, data: parseAppendData(s) };
}

function parseAppendData(s: Scanner): AppendData {
  if (s.peek() === 0x7b || s.peek() === 0x7e) return { kind: 'literal', ...s.messageLiteral() };
  if (s.atom('message literal or CATENATE').toUpperCase() !== 'CATENATE') s.fail('Expected message literal or CATENATE');
  s.sp();
  return { kind: 'catenate', parts: s.list(() => parseCatPart(s), false) };
}

function parseCatPart(s: Scanner): CatenatePart {
  const word = s.atom('TEXT or URL').toUpperCase();
  s.sp();
  if (word === 'TEXT') return { kind: 'text', ...s.messageLiteral() };
  if (word === 'URL') return { kind: 'url', url: s.astring() };
  return s.fail('Expected TEXT or URL');
}

export function writeAppend(w: WireWriter, c: AppendCommand): void {
  if (c.messages.length === 0) throw new RangeError('APPEND needs a message');
  w.sp().mailbox(c.mailbox);
  for (const m of c.messages) {
    w.sp();
    if (m.flags !== undefined) {
      writeFlagList(w, m.flags);
      w.sp();
    }
    if (m.date !== undefined) w.raw(`"${formatDateTime(m.date)}"`).sp();
    if (m.data.kind === 'literal') writeMessageLiteral(w, m.data);
    else {
      if (m.data.parts.length === 0) throw new RangeError('CATENATE needs a part');
      w.raw('CATENATE ').list(m.data.parts, (p) => (p.kind === 'text' ? writeMessageLiteral(w.raw('TEXT '), p) : w.raw('URL ').astring(p.url)));
    }
  }
}

function writeMessageLiteral(w: WireWriter, d: { bytes: Buffer; binary: boolean }): void {
  if (d.binary) w.raw('~');
  w.literal(d.bytes);
}
