/** parseMime: the parse model (offsets, fields, parameters) and its tolerance of broken mail. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bodyStructureValue, envelopeValue, matchesSearch, parseMime, sectionBytes, type MimePart } from '../../../../src/protocol/mime/index.ts';
import { MAX_DEPTH } from '../../../../src/protocol/mime/structure.ts';
import type { Section } from '../../../../src/protocol/imap/types.ts';
import { fixture, wire } from './fixtures.ts';

const crlf = (...lines: string[]): Buffer => Buffer.from(lines.join('\r\n'), 'latin1');

describe('parse model', () => {
  it('keeps offsets, unfolded fields and every Content-* field of a part', () => {
    const raw = fixture('mixed-attachment.eml');
    const msg = parseMime(raw);
    expect(msg.headerStart).toBe(0);
    expect(msg.header.toString('latin1').endsWith('Content-Language: en\r\n\r\n')).toBe(true);
    expect(msg.fields.find((f) => f.name === 'Cc')?.value).toBe('Friends: erin@example.test, "Frank F." <frank@example.test>;, undisclosed-recipients:;');
    const pdf = msg.parts[1]!;
    expect(pdf).toMatchObject({
      type: 'application', subtype: 'pdf', contentId: '<pdf1@example.test>', description: 'Q3 report', encoding: 'base64',
      language: ['en', 'de'], location: 'http://example.test/report.pdf', md5: 'Q2hlY2sgSW50ZWdyaXR5IQ==', lines: 1,
      disposition: { type: 'attachment', params: [{ name: 'filename', value: 'report.pdf' }, { name: 'size', value: '12' }] },
    });
    expect(raw.toString('latin1', pdf.bodyStart, pdf.end)).toBe('JVBERi0xLjQK');
    const field = msg.fields[0]!;
    expect(raw.toString('latin1', field.start, field.end)).toBe('From: Carol <carol@example.test>\r\n');
  });

  it('decodes RFC 2231 parameters: continuations, charsets, languages', () => {
    const msg = parseMime(fixture('rfc2231.eml'));
    const att = msg.parts[1]!;
    expect(att.params).toEqual([{ name: 'name', value: 'résumé long.txt', wireName: 'name*', wireValue: "iso-8859-1'fr'r%E9sum%E9%20long.txt" }]);
    expect(att.disposition?.params[0]?.value).toBe('résumé.txt');
  });

  it.each([
    ['plain continuations, out of order', 'a/b; x*1="de"; x*0=abc', [{ name: 'x', value: 'abcde', wireName: 'x', wireValue: 'abcde' }]],
    ['quoted pair and comment', 'text/plain (comment); charset="utf\\-8" (c2); format=flowed', [{ name: 'charset', value: 'utf-8', wireName: 'charset', wireValue: 'utf-8' }, { name: 'format', value: 'flowed', wireName: 'format', wireValue: 'flowed' }]],
    ['first of duplicates, junk skipped', 'text/plain; ; junk; charset=a; CHARSET=b', [{ name: 'charset', value: 'a', wireName: 'charset', wireValue: 'a' }]],
    ['unquoted value with specials and blanks', 'application/x; name=my file/v1.pdf', [{ name: 'name', value: 'my file/v1.pdf', wireName: 'name', wireValue: 'my file/v1.pdf' }]],
    ['an 8-bit UTF-8 value (RFC 6532)', 'application/x; name="caf\xc3\xa9"', [{ name: 'name', value: 'café', wireName: 'name', wireValue: 'caf\xc3\xa9' }]],
  ])('Content-Type parameters: %s', (_name, ct, params) => {
    expect(parseMime(crlf(`Content-Type: ${ct}`, '', 'x')).params).toEqual(params);
  });

  it.each([
    ['missing', 'X-A: 1', 'text', 'plain'],
    ['invalid', 'Content-Type: garbage', 'text', 'plain'],
    ['upper case', 'Content-Type: TEXT/HTML', 'text', 'html'],
  ])('Content-Type %s → %s/%s (RFC 2045 §5.2)', (_name, header, type, subtype) => {
    const msg = parseMime(crlf(header, '', 'x'));
    expect([msg.type, msg.subtype]).toEqual([type, subtype]);
  });

  it('multipart/digest parts default to message/rfc822 (RFC 2046 §5.1.5)', () => {
    const raw = crlf('Content-Type: multipart/digest; boundary=d', '', '--d', '', 'Subject: one', '', 'body one', '--d--', '');
    const msg = parseMime(raw);
    expect([msg.parts[0]!.type, msg.parts[0]!.subtype]).toEqual(['message', 'rfc822']);
    expect(wire(bodyStructureValue(msg, false))).toBe('(("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 24 (NIL "one" NIL NIL NIL NIL NIL NIL NIL NIL) ("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 8 1) 3) "DIGEST")');
    expect(sectionBytes(raw, msg, { part: [1, 1] })?.toString()).toBe('body one');
  });

  it('a multipart without boundary or parts gets one empty text/plain part', () => {
    for (const ct of ['multipart/mixed', 'multipart/mixed; boundary=none-here']) {
      const raw = crlf(`Content-Type: ${ct}`, '', 'just text', '');
      const msg = parseMime(raw);
      expect(wire(bodyStructureValue(msg, false))).toBe('(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 0 0) "MIXED")');
      expect(sectionBytes(raw, msg, { part: [1] })?.length).toBe(0);
    }
  });

  it(`nesting is cut at ${MAX_DEPTH}: the deepest container becomes an opaque leaf`, () => {
    const depth = MAX_DEPTH + 20;
    const lines: string[] = [];
    for (let i = 0; i < depth; i++) lines.push(`Content-Type: multipart/mixed; boundary=b${i}`, '', `--b${i}`);
    lines.push('Content-Type: text/plain', '', 'deep');
    const msg = parseMime(crlf(...lines));
    let cur: MimePart = msg;
    let levels = 0;
    while (cur.type === 'multipart') [cur, levels] = [cur.parts[0]!, levels + 1];
    expect(levels).toBe(MAX_DEPTH);
    expect([cur.type, cur.subtype]).toEqual(['application', 'octet-stream']);
    expect(() => wire(bodyStructureValue(msg, true))).not.toThrow();
  });

  // How fast: test/bench/mime.bench.ts (speed is measured in benchmarks, never asserted here).
  it('a huge header parses and keeps its fields up to the cap', () => {
    const big = `Subject: ${'x'.repeat(2_000_000)}`;
    const many = Array.from({ length: 5000 }, (_, i) => `X-${i}: ${i}`);
    const msg = parseMime(crlf(big, `To: ${Array.from({ length: 20_000 }, (_, i) => `u${i}@x.test`).join(', ')}`, ...many, '', 'body'));
    expect(msg.fields[0]!.value.length).toBe(2_000_000);
    expect(msg.fields.length).toBe(2000);
    expect(wire(envelopeValue(msg)).length).toBeGreaterThan(2_000_000);
  });
});

const anySection: fc.Arbitrary<Section> = fc.oneof(
  fc.record({ part: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 4 }) }),
  fc.record({ part: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 3 }), text: fc.constantFrom('HEADER' as const, 'TEXT' as const) }),
  fc.record({ part: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }), text: fc.constant('MIME' as const) }),
  fc.record({ part: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 3 }), text: fc.constantFrom('HEADER.FIELDS' as const, 'HEADER.FIELDS.NOT' as const), fields: fc.array(fc.constantFrom('subject', 'from', 'content-type', 'x'), { minLength: 1 }) }),
);

/** Bytes that look like mail often enough to reach the deep paths: header lines, boundaries, CR/LF. */
const mailish = fc
  .array(
    fc.oneof(
      fc.constantFrom('Content-Type: multipart/mixed; boundary=b\r\n', 'Content-Type: message/rfc822\r\n', 'Content-Type: multipart/digest; boundary="c"\r\n',
        '--b\r\n', '--b--\r\n', '--c\n', '\r\n', '\n', 'Subject: =?UTF-8?B?w6k=?=\r\n', 'From: a <b@c>, g: d@e;\r\n', ' folded\r\n',
        'Content-Disposition: attachment; filename*0*=utf-8\'\'%C3; filename*1=x\r\n', 'Content-Transfer-Encoding: base64\r\n', '=E9=\r\n', '(', ')', '"', '<', ':'),
      fc.string({ maxLength: 20 }),
    ),
    { maxLength: 40 },
  )
  .map((chunks) => Buffer.from(chunks.join(''), 'latin1'));

describe('properties', () => {
  it('parseMime and everything over it never throw, on random bytes and on mail-like bytes', async () => {
    const input = fc.oneof(fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)), mailish);
    await fc.assert(
      fc.asyncProperty(input, anySection, async (raw, section) => {
        const msg = parseMime(raw);
        wire(envelopeValue(msg));
        wire(bodyStructureValue(msg, true));
        wire(bodyStructureValue(msg, false));
        const bytes = sectionBytes(raw, msg, section);
        if (bytes && section.text !== 'HEADER.FIELDS' && section.text !== 'HEADER.FIELDS.NOT') expect(raw.includes(bytes)).toBe(true);
        const c = { seq: 1, uid: 1, maxSeq: 1, maxUid: 1, flags: new Set<string>(), recent: false, size: raw.length, internalDate: new Date(0), message: async () => ({ raw, mime: msg }) };
        await matchesSearch({ key: 'OR', left: { key: 'TEXT', value: 'é' }, right: { key: 'SENTON', date: { year: 2026, month: 1, day: 1 } } }, c);
      }),
      { numRuns: 400 },
    );
  });

  it('offsets nest: every part lies inside its parent and body follows header', () => {
    fc.assert(
      fc.property(mailish, (raw) => {
        const check = (p: MimePart, lo: number, hi: number): void => {
          expect(lo <= p.headerStart && p.headerStart <= p.bodyStart && p.bodyStart <= p.end && p.end <= hi).toBe(true);
          for (const c of p.parts) check(c, p.bodyStart, p.end);
          if (p.message) check(p.message, p.bodyStart, p.end);
        };
        check(parseMime(raw), 0, raw.length);
      }),
      { numRuns: 300 },
    );
  });

  it('BODY[]<o.n> is the slice [o, o+n) of the message', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(400), fc.integer({ min: 1, max: 400 }), (bytes, offset, length) => {
        const raw = Buffer.from(bytes);
        const got = sectionBytes(raw, parseMime(raw), { part: [] }, { offset, length });
        expect(got).toEqual(raw.subarray(offset, offset + length));
      }),
    );
  });
});
