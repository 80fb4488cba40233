/**
 * Fuzz properties of the IMAP input path (framer, then parser) over mutated real client input:
 * nothing throws but the parser's declared ImapParseError (which the session turns into BAD/NO),
 * the framer buffers no more than its limits however large a literal is announced, and the
 * framing does not depend on how the bytes were cut into TCP chunks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommandReader, ImapParseError, parseAuthenticateResponse, parseCommand, tryParseCommand, type ReaderEvent } from '../../../src/protocol/imap/index.ts';
import { chunked, corpusLines, session } from './mutate.ts';

const LIMITS = { maxLineLength: 8192, maxLiteralSize: 64 * 1024 };
const MAX_COMMAND = LIMITS.maxLiteralSize + 4 * LIMITS.maxLineLength;
const lines = corpusLines('imap.txt');

function show(ev: ReaderEvent): string {
  if (ev.kind === 'command') return `C${Buffer.concat([...ev.command.lines, ...ev.command.literals]).toString('latin1')}`;
  if (ev.kind === 'continue') return `+${ev.tag}:${ev.size}`;
  return `!${ev.error.code}:${ev.error.tag}`;
}

describe('IMAP input under fuzzing', () => {
  it('frames and parses mutated client input without crashing, within its buffer bound, the same for any chunking', () => {
    fc.assert(
      fc.property(session(lines), fc.array(fc.nat(), { maxLength: 12 }), (bytes, cuts) => {
        const whole = new CommandReader(LIMITS);
        const expected = whole.feed(bytes);
        const pieces = new CommandReader(LIMITS);
        const got: ReaderEvent[] = [];
        for (const chunk of chunked(bytes, cuts)) {
          got.push(...pieces.feed(chunk));
          expect(pieces.bufferedBytes).toBeLessThanOrEqual(MAX_COMMAND + LIMITS.maxLineLength + 2);
        }
        expect(got.map(show)).toEqual(expected.map(show));
        for (const ev of expected) {
          if (ev.kind !== 'command') continue;
          for (const lit of ev.command.literals) expect(lit.length).toBeLessThanOrEqual(LIMITS.maxLiteralSize);
          try {
            parseCommand(ev.command);
          } catch (err) {
            expect(err).toBeInstanceOf(ImapParseError);
          }
          try {
            parseAuthenticateResponse(ev.command);
          } catch (err) {
            expect(err).toBeInstanceOf(ImapParseError);
          }
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('a literal announced at any size never makes the framer hold more than its limits', () => {
    fc.assert(
      fc.property(fc.oneof(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.constantFrom(65536n, 65537n, 2n ** 32n, 2n ** 53n + 1n)), fc.boolean(), fc.integer({ min: 0, max: 200_000 }), (size, plus, sent) => {
        const r = new CommandReader(LIMITS);
        const events = r.feed(Buffer.from(`a APPEND INBOX {${size}${plus ? '+' : ''}}\r\n`));
        const body = Buffer.alloc(Math.min(sent, 200_000), 0x61);
        events.push(...r.feed(body));
        expect(r.bufferedBytes).toBeLessThanOrEqual(MAX_COMMAND + LIMITS.maxLineLength + 2);
        if (size > BigInt(LIMITS.maxLiteralSize)) {
          // refused: NO [TOOBIG], or (a size too long to be a number) a command the parser answers BAD
          const tooBig = events.some((e) => e.kind === 'error' && e.error.code === 'LITERAL_TOO_BIG');
          const bad = events.some((e) => e.kind === 'command' && !tryParseCommand(e.command).ok);
          expect(tooBig || bad).toBe(true);
          expect(events.some((e) => e.kind === 'continue')).toBe(false); // never invited to send it
        }
      }),
      { numRuns: 300 },
    );
  });
});
