/**
 * Fuzz properties of the POP3 input path over mutated real client input (targets/pop3.ts): the
 * framer and the parser, then a whole session on the memory store, answer every line without an
 * internal failure, in whole CRLF replies, the same for any TCP chunking.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { corpusLines, LINE_TOKENS, session } from './mutate.ts';
import { pop3Target } from './targets/pop3.ts';
import { PROPERTY_TIME } from './bounded.ts';

const lines = corpusLines('pop3.txt');

describe('POP3 input under fuzzing', () => {
  it('frames, parses and runs mutated sessions: well-formed replies, no internal failure, chunking-independent', async () => {
    await fc.assert(
      fc.asyncProperty(session(lines, LINE_TOKENS), fc.array(fc.nat(), { maxLength: 12 }), (bytes, cuts) => pop3Target.run(bytes, cuts)),
      { numRuns: 150, ...PROPERTY_TIME },
    );
  });
});
