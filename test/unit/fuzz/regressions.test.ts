/**
 * Inputs the fuzz properties found slow (quadratic backtracking in the header parsers), minimised
 * to one field each at about 30 KB: each now parses within the time bound (bounded.ts), and to
 * what it parsed to before. The linear helpers that replaced the regular expressions
 * (src/protocol/mime/scan.ts) are checked against those expressions on short strings.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMime } from '../../../src/protocol/mime/index.ts';
import { decodedBodyText } from '../../../src/protocol/mime/decode.ts';
import { baseSubject } from '../../../src/protocol/mime/base-subject.ts';
import { sentDay } from '../../../src/protocol/mime/search.ts';
import { fieldValue } from '../../../src/protocol/mime/header.ts';
import { removeSoftBreaks, replaceComments, spaceForComments, trimEndWsp, trimFieldValue } from '../../../src/protocol/mime/scan.ts';
import { bounded } from './bounded.ts';

const N = 30_000;
const msg = (header: string, body = 'x'): Buffer => Buffer.from(`${header}\r\n\r\n${body}`, 'latin1');
const parse = (raw: Buffer) => bounded('parseMime', () => parseMime(raw));

describe('slow inputs the fuzzing found, now within the bound', () => {
  it('a field value with a long run of white space inside (trailing-space trim)', () => {
    const m = parse(msg(`Subject: a${' '.repeat(N)}b   `));
    expect(fieldValue(m.fields, 'subject')).toBe(`a${' '.repeat(N)}b`);
  });

  it('a field name with a long run of spaces before its colon (the first counterexample: `=?` then spaces)', () => {
    const m = parse(msg(`=?${' '.repeat(N)}From: x\r\nTo: y`));
    expect(m.fields.map((f) => f.name)).toEqual(['To']); // a name with spaces in it is no field
  });

  it('a Content-Type parameter value with a long run of spaces inside', () => {
    const m = parse(msg(`Content-Type: text/plain; a=x${' '.repeat(N)}y`));
    expect(m.params).toEqual([{ name: 'a', value: `x${' '.repeat(N)}y`, wireName: 'a', wireValue: `x${' '.repeat(N)}y` }]);
  });

  it('Content-Transfer-Encoding and Content-Language of unclosed comments', () => {
    const m = parse(msg(`Content-Transfer-Encoding: ${'('.repeat(N)}\r\nContent-Language: ${'('.repeat(N)}`));
    expect(m.encoding).toBe('('.repeat(N));
    expect(m.language).toEqual(['('.repeat(N)]);
  });

  it('a quoted-printable body of a long run of spaces (soft line break removal)', () => {
    const raw = msg('Content-Transfer-Encoding: quoted-printable', `${' '.repeat(N)}x=\r\ny`);
    const m = parse(raw);
    expect(bounded('decodedBodyText', () => decodedBodyText(raw, m))).toBe(`${' '.repeat(N)}xy`);
  });

  it('subjects of thousands of [blobs] or (fwd) trailers (base subject)', () => {
    expect(bounded('baseSubject', () => baseSubject('[a]'.repeat(N / 3)))).toMatchObject({ subject: '[a]', isReply: false });
    expect(bounded('baseSubject', () => baseSubject(`x${'(fwd)'.repeat(N / 5)}`))).toMatchObject({ subject: 'x', isReply: true });
    expect(baseSubject('[list] Re: [other] Fwd: hello (fwd)')).toMatchObject({ subject: 'hello', isReply: true });
  });

  it('a Date of a digit and a long run of spaces (sent day)', () => {
    expect(bounded('sentDay', () => sentDay(`1${' '.repeat(N)}x`))).toBeUndefined();
    expect(sentDay(`Tue, 3   Nov   2026 10:00:00 +0000`)).toBe(Date.UTC(2026, 10, 3) / 86_400_000);
  });
});

describe('structure the fuzzing found broken', () => {
  it('an empty part right before a line feed has its body inside it (was bodyStart = end + 1: a size of -1 in BODYSTRUCTURE)', () => {
    // minimised from the MIME property (seed 439667410): `--b LF` then a blank line, the part between empty
    const m = parseMime(Buffer.from('Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n--b\n\n--b--\r\n'));
    expect(m.parts.map((p) => [p.headerStart, p.bodyStart, p.end])).toEqual([[50, 50, 50], [54, 54, 54]]);
  });
});

describe('the linear helpers do what the expressions they replaced did', () => {
  const text = fc.string({ unit: fc.constantFrom('(', ')', '\\', ' ', '\t', '\r', '\n', '=', 'a', '"', '\u00a0'), maxLength: 24 });
  it('trims, comment removal and soft line breaks', () => {
    fc.assert(
      fc.property(text, (s) => {
        expect(trimEndWsp(s)).toBe(s.replace(/[ \t]+$/, ''));
        expect(trimFieldValue(s)).toBe(s.replace(/^[ \t]+|[ \t\r\n]+$/g, ''));
        expect(replaceComments(s, '')).toBe(s.replace(/\([^)]*\)/g, ''));
        expect(removeSoftBreaks(s)).toBe(s.replace(/[ \t]*=\r?\n/g, ''));
        expect(spaceForComments(s)).toBe(s.replace(/\s*\((?:[^()\\]|\\.)*\)\s*/g, ' '));
      }),
      { numRuns: 3000 },
    );
  });
});
