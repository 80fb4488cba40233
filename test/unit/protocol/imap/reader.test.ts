/**
 * CommandReader table tests: raw client bytes, cut into TCP chunks at awkward places, and the
 * events a server acts on — whole commands, `+` continuation requests, and dropped commands
 * (with the tag to answer and whether the client is still sending literal bytes).
 */
import { describe, expect, it } from 'vitest';
import { CommandReader, type ReaderEvent, type ReaderLimits } from '../../../../src/protocol/imap/index.ts';

const LIMITS: ReaderLimits = { maxLineLength: 64, maxLiteralSize: 32 };

/** Feeds `chunks` one by one; events rendered as short strings for readable tables. */
function run(chunks: string[], limits: ReaderLimits = LIMITS): string[] {
  const r = new CommandReader(limits);
  return chunks.flatMap((c) => r.feed(Buffer.from(c, 'latin1')).map(show));
}

function show(ev: ReaderEvent): string {
  if (ev.kind === 'continue') return `+${ev.tag ?? '?'}:${ev.size}`;
  if (ev.kind === 'error') return `!${ev.error.tag ?? '?'}:${ev.error.code}${ev.error.literal ? `:${ev.error.literal.size}${ev.error.literal.synchronizing ? 's' : 'n'}` : ''}`;
  const { lines, literals } = ev.command;
  return lines.map((l, i) => l.toString('latin1') + (i < literals.length ? `<${literals[i]!.toString('latin1')}>` : '')).join('');
}

describe('CommandReader framing', () => {
  it.each<[string, string[], string[]]>([
    ['one line', ['a NOOP\r\n'], ['a NOOP']],
    ['two commands in one chunk', ['a NOOP\r\nb CHECK\r\n'], ['a NOOP', 'b CHECK']],
    ['line cut between CR and LF', ['a NOOP\r', '\n'], ['a NOOP']],
    ['line cut byte by byte', [...'a1 LOGIN x y\r\n'], ['a1 LOGIN x y']],
    ['bare LF ends a line too', ['a NOOP\nb NOOP\r\n'], ['a NOOP', 'b NOOP']],
    ['empty line is an (empty) command for the parser to refuse', ['\r\n'], ['']],
    ['synchronising literal: continue, then the bytes', ['a LOGIN {3}\r\n', 'bob {2}\r\n', 'pw\r\n'], ['+a:3', '+a:2', 'a LOGIN {3}<bob> {2}<pw>']],
    ['literal split across three chunks', ['a APPEND INBOX {12}\r\nHel', 'lo\r\nWor', 'ld\r\n'], ['+a:12', 'a APPEND INBOX {12}<Hello\r\nWorld>']],
    ['literal holding CRLF and a fake literal header', ['a X {9}\r\n{3}\r\n\r\nab\r\n'], ['+a:9', 'a X {9}<{3}\r\n\r\nab>']],
    ['LITERAL+ needs no continuation', ['a LOGIN {3+}\r\nbob {2+}\r\npw\r\n'], ['a LOGIN {3+}<bob> {2+}<pw>']],
    ['zero-length literal', ['a LOGIN {0}\r\n {0+}\r\n\r\n'], ['+a:0', 'a LOGIN {0}<> {0+}<>']],
    ['literal header cut inside the braces', ['a LOGIN {', '3', '+}\r', '\nbob x\r\n'], ['a LOGIN {3+}<bob> x']],
    ['a header not at the end of the line is not a literal', ['a SEARCH TEXT {3} x\r\n'], ['a SEARCH TEXT {3} x']],
  ])('%s', (_name, chunks, events) => {
    expect(run(chunks)).toEqual(events);
  });
});

describe('CommandReader limits', () => {
  it.each<[string, string[], string[]]>([
    // the client never gets `+`, so it sends no literal bytes; the next line is a new command
    ['synchronising literal too big', ['a APPEND INBOX {33}\r\n', 'b NOOP\r\n'], ['!a:LITERAL_TOO_BIG:33s', 'b NOOP']],
    // a LITERAL+ client sends the bytes anyway: they are skipped, not taken for commands
    ['non-synchronising literal too big', ['a APPEND INBOX {40+}\r\n', 'x'.repeat(20), 'y'.repeat(20) + '\r\nb NOOP\r\n'], ['!a:LITERAL_TOO_BIG:40n', 'b NOOP']],
    ['line too long, cut in pieces, then recovery', ['a ' + 'x'.repeat(40), 'x'.repeat(40), '\r\nb NOOP\r\n'], ['!a:LINE_TOO_LONG', 'b NOOP']],
    ['line too long in one piece', ['c ' + 'x'.repeat(80) + '\r\nd NOOP\r\n'], ['!c:LINE_TOO_LONG', 'd NOOP']],
    ['exactly the longest line is fine', ['e ' + 'x'.repeat(62) + '\r\n'], ['e ' + 'x'.repeat(62)]],
    ['too long line ending in {n+}: its literal bytes are skipped', ['f ' + 'x'.repeat(80) + ' {5+}\r\nhello\r\ng NOOP\r\n'], ['!f:LINE_TOO_LONG', 'g NOOP']],
    ['unreadable tag gives no tag', ['(bad ' + 'x'.repeat(80) + '\r\n'], ['!?:LINE_TOO_LONG']],
    ['size beyond 2^53 is too big, not a number overflow', ['h X {99999999999999999999}\r\n'], ['!h:LITERAL_TOO_BIG:Infinitys']],
  ])('%s', (_name, chunks, events) => {
    expect(run(chunks)).toEqual(events);
  });

  it('a command whose lines and literals together exceed maxCommandSize is dropped', () => {
    const limits = { maxLineLength: 64, maxLiteralSize: 32, maxCommandSize: 50 };
    expect(run(['a X {30+}\r\n' + 'x'.repeat(30) + ' {30+}\r\n' + 'y'.repeat(30) + '\r\nb NOOP\r\n'], limits)).toEqual(['!a:LITERAL_TOO_BIG:30n', 'b NOOP']);
  });

  it('holds only the pending command: buffered bytes drop to zero after each command', () => {
    const r = new CommandReader(LIMITS);
    r.feed(Buffer.from('a APPEND INBOX {10}\r\nHello'));
    expect(r.idle).toBe(false);
    expect(r.bufferedBytes).toBeGreaterThan(0);
    r.feed(Buffer.from('World\r\n'));
    expect(r.idle).toBe(true);
    expect(r.bufferedBytes).toBe(0);
  });
});

describe('CommandReader.feedSome (bounded pipelining)', () => {
  it('stops after the requested number of commands and reports how much it read', () => {
    const r = new CommandReader(LIMITS);
    const chunk = Buffer.from('a NOOP\r\nb NOOP\r\nc LOGIN {1+}\r\nx y\r\nd NOOP\r\n', 'latin1');
    const first = r.feedSome(chunk, 2);
    expect(first.events.map(show)).toEqual(['a NOOP', 'b NOOP']);
    expect(first.consumed).toBe(16);
    // the rest, fed later, frames exactly what a single feed would have
    const rest = r.feedSome(chunk.subarray(first.consumed), 10);
    expect(rest.events.map(show)).toEqual(['c LOGIN {1+}<x> y', 'd NOOP']);
    expect(rest.consumed).toBe(chunk.length - first.consumed);
  });

  it('counts only whole commands: a partial command is read to the end of the chunk', () => {
    const r = new CommandReader(LIMITS);
    const { events, consumed } = r.feedSome(Buffer.from('a NOOP\r\nb NO', 'latin1'), 5);
    expect(events.map(show)).toEqual(['a NOOP']);
    expect(consumed).toBe(12);
    expect(r.feed(Buffer.from('OP\r\n')).map(show)).toEqual(['b NOOP']);
  });
});
