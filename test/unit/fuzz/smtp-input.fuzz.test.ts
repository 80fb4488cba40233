/**
 * Fuzz properties of the SMTP input we parse ourselves (targets/smtp.ts): the PROXY header, the
 * EHLO name and envelope addresses into trace headers and account names, ENVID, and the DATA
 * message and recipients' replies into a bounce, over mutated real sessions.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { corpusLines, LINE_TOKENS, session } from './mutate.ts';
import { smtpTarget } from './targets/smtp.ts';
import { PROPERTY_TIME } from './bounded.ts';

const lines = corpusLines('smtp.txt');

describe('SMTP input under fuzzing', () => {
  it('PROXY headers, trace headers, account names, ENVID and bounces hold their properties on mutated sessions', () => {
    fc.assert(fc.property(session(lines, LINE_TOKENS), (bytes) => smtpTarget.run(bytes)), { numRuns: 200, ...PROPERTY_TIME });
  });

  it('a session that starts with a PROXY line holds them too', () => {
    const proxy = lines.filter((l) => l.toString('latin1').startsWith('PROXY'));
    const rest = lines.filter((l) => !l.toString('latin1').startsWith('PROXY'));
    fc.assert(
      fc.property(fc.constantFrom(...proxy), session(rest, LINE_TOKENS), fc.nat(), (head, tail, cut) => {
        const bytes = Buffer.concat([head.subarray(0, cut % (head.length + 1)), tail]);
        smtpTarget.run(bytes);
      }),
      { numRuns: 100, ...PROPERTY_TIME },
    );
  });
});
