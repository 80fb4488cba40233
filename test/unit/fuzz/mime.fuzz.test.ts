/**
 * Fuzz properties of the MIME path (targets/mime.ts) over mutated real messages: structure,
 * ENVELOPE, BODYSTRUCTURE, sections, decoded text and SORT/THREAD keys never throw, keep their
 * offsets inside the message, and stay under the per-input time bound (bounded.ts).
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { MIME_TOKENS, mutated } from './mutate.ts';
import { corpusMessages, mimeTarget } from './targets/mime.ts';
import { PROPERTY_TIME } from './bounded.ts';

const messages = corpusMessages();

describe('MIME path under fuzzing', () => {
  it('parses, describes and slices mutated real messages within the time bound', () => {
    fc.assert(fc.property(mutated(messages, MIME_TOKENS), (raw) => mimeTarget.run(raw)), { numRuns: 300, ...PROPERTY_TIME });
  });
});
