/** POP3 wire pieces, table-tested with raw strings: the line framer, the parser, replies and byte-stuffing. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LineReader } from '../../../../src/protocol/pop3/reader.ts';
import { parseCommand, parseNumber } from '../../../../src/protocol/pop3/parser.ts';
import { err, messageReply, multiline, wireForm, wireSize } from '../../../../src/protocol/pop3/response.ts';
import { decodeBase64, decodePlain, encodePlain } from '../../../../src/protocol/sasl/plain.ts';
import { POP3_SPLICE } from '../../../../worker/pop3/proxy.ts';

const lines = (r: LineReader, ...chunks: string[]): string[] =>
  chunks.flatMap((c) => r.feed(Buffer.from(c, 'latin1'))).map((e) => (e.kind === 'line' ? e.line.toString('latin1') : '<too-long>'));

describe('LineReader', () => {
  it('splits on CRLF (and bare LF) across chunks', () => {
    expect(lines(new LineReader(255), 'STAT\r\nLI', 'ST 1\r', '\nNOOP\n')).toEqual(['STAT', 'LIST 1', 'NOOP']);
  });
  it('reports an overlong line once, discards it up to its end, and goes on', () => {
    const r = new LineReader(10);
    expect(lines(r, 'ABCDEFGHIJK', 'LMNOP', 'QR\r\nSTAT\r\n')).toEqual(['<too-long>', 'STAT']);
    expect(lines(r, '123456789\r\n')).toEqual(['<too-long>']); // 11 octets with CRLF
    expect(lines(r, '12345678\r\n')).toEqual(['12345678']);
    expect(r.buffered().length).toBe(0);
    lines(r, 'US');
    expect(r.buffered().toString()).toBe('US');
  });
});

describe('parseCommand', () => {
  const table: Array<[string, unknown]> = [
    ['stat', { verb: 'STAT', args: [] }],
    ['LIST 1', { verb: 'LIST', args: ['1'] }],
    ['TOP  1   10', { verb: 'TOP', args: ['1', '10'] }],
    ['PASS my secret', { verb: 'PASS', args: ['my', 'secret'], rest: 'my secret' }],
    [`USER ${'a'.repeat(60)}@example.test`, { verb: 'USER' }],
    [`LIST ${'1'.repeat(41)}`, 'arguments are at most 40 characters'],
    ['XYZZY', 'unknown command'],
    ['', 'unknown command'],
    ['LI', 'unknown command'],
    ['LIST\u0000', 'commands are printable ASCII'],
  ];
  it.each(table)('%j', (line, want) => {
    const r = parseCommand(line);
    if (typeof want === 'string') expect(r).toEqual({ ok: false, message: want });
    else expect(r.ok && r.command).toMatchObject(want as object);
  });
  it('message numbers', () => {
    expect([parseNumber('1'), parseNumber('0'), parseNumber('-1'), parseNumber('1.5'), parseNumber('99999999999'), parseNumber(undefined)]).toEqual([1, 0, undefined, undefined, undefined, undefined]);
  });
});

describe('replies', () => {
  it('single and multi-line replies, stuffed', () => {
    expect(err('no such message 3').toString()).toBe('-ERR no such message 3\r\n');
    expect(err('busy', 'SYS/TEMP').toString()).toBe('-ERR [SYS/TEMP] busy\r\n');
    expect(multiline('list', ['1 2', '.x']).toString()).toBe('+OK list\r\n1 2\r\n..x\r\n.\r\n');
    expect(multiline('empty', []).toString()).toBe('+OK empty\r\n.\r\n');
  });
  const wire: Array<[string, string]> = [
    ['a\r\nb\r\n', 'a\r\nb\r\n'],
    ['a\nb\n', 'a\r\nb\r\n'],
    ['a\rb', 'a\r\nb\r\n'],
    ['no final newline', 'no final newline\r\n'],
    ['', ''],
  ];
  it.each(wire)('wire form of %j', (stored, sent) => {
    expect(wireForm(Buffer.from(stored)).toString()).toBe(sent);
    expect(wireSize(Buffer.from(stored))).toBe(sent.length);
  });
  it('RETR stuffs dots and terminates; TOP keeps headers, blank line, n lines', () => {
    const m = Buffer.from('H: 1\r\n\r\n.a\r\nb\r\n.\r\nc\r\n');
    expect(messageReply('x', m).toString()).toBe('+OK x\r\nH: 1\r\n\r\n..a\r\nb\r\n..\r\nc\r\n.\r\n');
    expect(messageReply('x', m, 0).toString()).toBe('+OK x\r\nH: 1\r\n\r\n.\r\n');
    expect(messageReply('x', m, 1).toString()).toBe('+OK x\r\nH: 1\r\n\r\n..a\r\n.\r\n');
    expect(messageReply('x', Buffer.from('\r\nbody\r\n'), 0).toString()).toBe('+OK x\r\n\r\n.\r\n');
    expect(messageReply('x', Buffer.from('H: only'), 5).toString()).toBe('+OK x\r\nH: only\r\n.\r\n');
  });
  it('un-stuffing a RETR reply gives back the wire form, whatever the message', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom('.', 'a', '\r', '\n', '\r\n', '..', ' '), { maxLength: 40 }), (parts) => {
      const data = Buffer.from(parts.join(''), 'latin1');
      const reply = messageReply('x', data).toString('latin1');
      expect(reply.endsWith('\r\n.\r\n') || reply === '+OK x\r\n.\r\n').toBe(true);
      const body = reply.slice('+OK x\r\n'.length, reply.length - 3);
      const unstuffed = body.split('\r\n').map((l) => (l.startsWith('.') ? l.slice(1) : l)).join('\r\n');
      expect(unstuffed).toBe(wireForm(data).toString('latin1'));
    }));
  });
});

describe('SASL PLAIN', () => {
  it('decodes, refuses other authorisation identities and bad base64', () => {
    expect(decodePlain(Buffer.from('\0u@x.test\0p w'))).toEqual({ user: 'u@x.test', password: 'p w' });
    expect(decodePlain(Buffer.from('u@x.test\0u@x.test\0p'))).toEqual({ user: 'u@x.test', password: 'p' });
    expect(decodePlain(Buffer.from('other\0u@x.test\0p'))).toBeUndefined();
    expect(decodePlain(Buffer.from('\0\0p'))).toBeUndefined();
    expect(decodeBase64('abc')).toBeUndefined();
    expect(decodePlain(decodeBase64(encodePlain('u@x.test', 'pw'))!)).toEqual({ user: 'u@x.test', password: 'pw' });
  });
});

describe('POP3 proxy goodbye', () => {
  it('is the holder\'s signing-off line at the end of a chunk, not the words inside a message', () => {
    expect(POP3_SPLICE.saidGoodbye(Buffer.from('+OK mailcluster POP3 signing off (1 message deleted)\r\n'))).toBe(true);
    expect(POP3_SPLICE.saidGoodbye(Buffer.from('-ERR [SYS/TEMP] this server is being drained; please reconnect; signing off\r\n'))).toBe(true);
    expect(POP3_SPLICE.saidGoodbye(Buffer.from('+OK 12 octets\r\nsigning off\r\nbye\r\n.\r\n'))).toBe(false);
  });
});
