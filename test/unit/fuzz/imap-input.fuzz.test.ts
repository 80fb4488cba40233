/**
 * Fuzz properties of the IMAP input path (framer, then parser) over mutated real client input:
 * nothing throws but the parser's declared ImapParseError (which the session turns into BAD/NO),
 * the framer buffers no more than its limits however large a literal is announced, the framing
 * does not depend on how the bytes were cut into TCP chunks, and no parser call is slow
 * (bounded.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommandReader, tryParseCommand } from '../../../src/protocol/imap/index.ts';
import { corpusLines, session } from './mutate.ts';
import { imapTarget } from './targets/imap.ts';
import { PROPERTY_TIME } from './bounded.ts';

const LIMITS = { maxLineLength: 8192, maxLiteralSize: 64 * 1024 };
const MAX_COMMAND = LIMITS.maxLiteralSize + 4 * LIMITS.maxLineLength;
const lines = corpusLines('imap.txt');

describe('IMAP input under fuzzing', () => {
  it('frames and parses mutated client input without crashing, within its buffer bound and the time bound, the same for any chunking', () => {
    // the checks live in targets/imap.ts (node:assert, shared with `npm run fuzz`): an expect() per
    // framed command made a 32 KB input of 16 000 empty commands take seconds
    fc.assert(fc.property(session(lines), fc.array(fc.nat(), { maxLength: 12 }), (bytes, cuts) => imapTarget.run(bytes, cuts)), { numRuns: 300, ...PROPERTY_TIME });
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
      { numRuns: 300, ...PROPERTY_TIME },
    );
  });
});
