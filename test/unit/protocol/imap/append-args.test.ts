/**
 * APPEND argument grammar: MULTIAPPEND (RFC 3502 §6), literal8 message data (RFC 3516 §4.4) and
 * CATENATE (RFC 4469 §5), exact client wire text → the typed command, the serializer's inverse,
 * and the malformed forms the server answers with BAD.
 */
import { describe, expect, it } from 'vitest';
import { CommandReader, isImapParseError, parseCommand, serializeCommandBytes, type AppendCommand, type RawCommand } from '../../../../src/protocol/imap/index.ts';

function frame(wire: Buffer | string): RawCommand {
  const r = new CommandReader({ maxLineLength: 8192, maxLiteralSize: 1 << 20 });
  const cmds = r.feed(Buffer.isBuffer(wire) ? wire : Buffer.from(wire, 'latin1')).flatMap((e) => (e.kind === 'command' ? [e.command] : []));
  expect(cmds).toHaveLength(1);
  return cmds[0]!;
}
const parse = (wire: Buffer | string): AppendCommand => parseCommand(frame(wire)) as AppendCommand;
const lit = (s: string | Buffer, binary = false) => ({ kind: 'literal' as const, bytes: Buffer.isBuffer(s) ? s : Buffer.from(s), binary });

function badReason(wire: string): string {
  try {
    parse(wire);
  } catch (err) {
    if (isImapParseError(err)) return err.message;
    throw err;
  }
  throw new Error(`parsed: ${wire}`);
}

describe('APPEND arguments', () => {
  it('RFC 3502 §6.3.11: several messages, each with its own flags and date', () => {
    const c = parse('a APPEND Sent (\\Seen) {2+}\r\nm1 " 7-Feb-2026 10:00:00 +0100" {2+}\r\nm2 {2+}\r\nm3 (\\Draft) "08-Feb-2026 00:00:00 +0000" {2+}\r\nm4\r\n');
    expect(c).toEqual({
      tag: 'a', name: 'APPEND', mailbox: 'Sent', messages: [
        { flags: ['\\Seen'], data: lit('m1') },
        { date: new Date('2026-02-07T09:00:00Z'), data: lit('m2') },
        { data: lit('m3') },
        { flags: ['\\Draft'], date: new Date('2026-02-08T00:00:00Z'), data: lit('m4') },
      ],
    });
  });

  it('RFC 3516 §4.4: literal8 (also non-synchronising) carries any octet, NUL included', () => {
    const bin = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x00]);
    const c = parse(Buffer.concat([Buffer.from('a APPEND INBOX ~{5+}\r\n'), bin, Buffer.from(' ~{2}\r\nab\r\n')]));
    expect(c.messages).toEqual([{ data: lit(bin, true) }, { data: lit('ab', true) }]);
  });

  it('RFC 4469 §5: CATENATE of TEXT literals and URLs, mixed with plain messages', () => {
    const c = parse('a APPEND Drafts (\\Draft) CATENATE (URL "/INBOX;UIDVALIDITY=3/;UID=20/;SECTION=1.MIME" TEXT {4+}\r\nhead URL /Drafts/;UID=1) {1+}\r\nx\r\n');
    expect(c.messages).toEqual([
      { flags: ['\\Draft'], data: { kind: 'catenate', parts: [{ kind: 'url', url: '/INBOX;UIDVALIDITY=3/;UID=20/;SECTION=1.MIME' }, { kind: 'text', bytes: Buffer.from('head'), binary: false }, { kind: 'url', url: '/Drafts/;UID=1' }] } },
      { data: lit('x') },
    ]);
  });

  it('serializes to what it parses from', () => {
    const c: AppendCommand = {
      tag: 't1', name: 'APPEND', mailbox: 'Entwürfe', messages: [
        { flags: ['\\Seen'], date: new Date('2026-02-07T09:00:00Z'), data: lit('one') },
        { data: lit(Buffer.from([0, 1, 2]), true) },
        { data: { kind: 'catenate', parts: [{ kind: 'text', bytes: Buffer.from('a'), binary: true }, { kind: 'url', url: '/INBOX/;UID=3' }] } },
      ],
    };
    const wire = serializeCommandBytes(c, { literalPlus: true });
    expect(wire.toString('latin1')).toContain('APPEND Entw&APw-rfe (\\Seen) "07-Feb-2026 09:00:00 +0000" {3+}\r\none ~{3+}\r\n');
    expect(parse(wire)).toEqual(c);
  });

  it.each([
    ['no message', 'a APPEND INBOX\r\n', /Expected SP/],
    ['a trailing space after the last message', 'a APPEND INBOX {1+}\r\nx \r\n', /message literal or CATENATE/],
    ['two spaces between messages', 'a APPEND INBOX {1+}\r\nx  {1+}\r\ny\r\n', /message literal or CATENATE/],
    ['a quoted string as message data', 'a APPEND INBOX "hello"\r\n', /Invalid date-time/],
    ['~ without a literal', 'a APPEND INBOX ~"x"\r\n', /Expected \{ after ~/],
    ['empty CATENATE', 'a APPEND INBOX CATENATE ()\r\n', /Empty list/],
    ['an unknown CATENATE part', 'a APPEND INBOX CATENATE (FILE "/etc/passwd")\r\n', /TEXT or URL/],
    ['TEXT without a literal', 'a APPEND INBOX CATENATE (TEXT "hi")\r\n', /literal/],
  ])('BAD: %s', (_n, wire, reason) => {
    expect(badReason(wire)).toMatch(reason);
  });
});
