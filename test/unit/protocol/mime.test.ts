/** The MIME layer under FETCH and SEARCH: structure, ENVELOPE, BODYSTRUCTURE, sections, search keys. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bodyStructureValue, envelopeValue, matchesSearch, parseMime, sectionBytes, type SearchContext } from '../../../src/protocol/mime/index.ts';
import { serverWriter, writeValue, type WireValue } from '../../../src/protocol/imap/response.ts';
import type { SearchKey } from '../../../src/protocol/imap/types.ts';

const wire = (v: WireValue): string => {
  const w = serverWriter();
  writeValue(w, v);
  return w.toBuffer().toString('latin1');
};

const MIXED = Buffer.from(
  [
    'From: "Alice Example" <alice@example.test>',
    'To: bob@example.test, Friends: carol@example.test, dave@example.test;',
    'Subject: =?UTF-8?B?SMOpbGxv?= report',
    'Date: Tue, 3 Nov 2026 10:00:00 +0000',
    'Message-ID: <m1@example.test>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    'preamble',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'Caf=C3=A9 au lait',
    '--b1',
    'Content-Type: application/pdf; name="r.pdf"',
    'Content-Disposition: attachment; filename*=utf-8\'\'r%C3%A9sum%C3%A9.pdf',
    'Content-Transfer-Encoding: base64',
    '',
    'JVBERi0xLjQK',
    '--b1--',
    '',
  ].join('\r\n'),
);

function ctx(raw: Buffer, over: Partial<SearchContext> = {}): SearchContext {
  return { seq: 1, uid: 10, maxSeq: 3, maxUid: 12, flags: new Set(['\\Seen']), recent: false, size: raw.length, internalDate: new Date('2026-11-03T12:00:00Z'), message: async () => ({ raw, mime: parseMime(raw) }), ...over };
}

describe('MIME structure for IMAP', () => {
  const mime = parseMime(MIXED);

  it('BODYSTRUCTURE of multipart/mixed with a quoted-printable text part and an attachment', () => {
    // the RFC 2231 file name is decoded; not being ASCII, it goes out as a literal of its UTF-8 bytes
    expect(wire(bodyStructureValue(MIXED, mime, true))).toBe(
      '(("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "QUOTED-PRINTABLE" 17 1 NIL NIL NIL NIL)' +
        `("APPLICATION" "PDF" ("NAME" "r.pdf") NIL NIL "BASE64" 12 NIL ("ATTACHMENT" ("FILENAME" {12}\r\n${Buffer.from('résumé.pdf').toString('latin1')})) NIL NIL) "MIXED" ("BOUNDARY" "b1") NIL NIL NIL)`,
    );
    expect(wire(bodyStructureValue(MIXED, mime, false))).toBe('(("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "QUOTED-PRINTABLE" 17 1)("APPLICATION" "PDF" ("NAME" "r.pdf") NIL NIL "BASE64" 12) "MIXED")');
  });

  it('ENVELOPE keeps encoded words, expands groups, defaults sender and reply-to to from', () => {
    expect(wire(envelopeValue(mime))).toBe(
      '("Tue, 3 Nov 2026 10:00:00 +0000" "=?UTF-8?B?SMOpbGxv?= report" (("Alice Example" NIL "alice" "example.test")) (("Alice Example" NIL "alice" "example.test")) (("Alice Example" NIL "alice" "example.test")) ' +
        '((NIL NIL "bob" "example.test")(NIL NIL "Friends" NIL)(NIL NIL "carol" "example.test")(NIL NIL "dave" "example.test")(NIL NIL NIL NIL)) NIL NIL NIL "<m1@example.test>")',
    );
  });

  it('sections: parts, MIME headers, header fields, partials, missing parts', () => {
    expect(sectionBytes(MIXED, mime, { part: [1] })!.toString()).toBe('Caf=C3=A9 au lait');
    expect(sectionBytes(MIXED, mime, { part: [2], text: 'MIME' })!.toString()).toMatch(/^Content-Type: application\/pdf; name="r.pdf"\r\n.*\r\n\r\n$/s);
    expect(sectionBytes(MIXED, mime, { part: [], text: 'HEADER.FIELDS', fields: ['subject', 'MESSAGE-ID'] })!.toString()).toBe('Subject: =?UTF-8?B?SMOpbGxv?= report\r\nMessage-ID: <m1@example.test>\r\n\r\n');
    expect(sectionBytes(MIXED, mime, { part: [], text: 'HEADER.FIELDS.NOT', fields: ['subject', 'from', 'to', 'date', 'message-id', 'content-type'] })!.toString()).toBe('MIME-Version: 1.0\r\n\r\n');
    expect(sectionBytes(MIXED, mime, { part: [] }, { offset: 6, length: 5 })!.toString()).toBe('"Alic');
    expect(sectionBytes(MIXED, mime, { part: [] }, { offset: 1_000_000, length: 5 })!.length).toBe(0);
    expect(sectionBytes(MIXED, mime, { part: [3] })).toBeNull();
    expect(sectionBytes(MIXED, mime, { part: [], text: 'TEXT' })!.toString()).toMatch(/^preamble\r\n--b1\r\n/);
  });

  it('a plain message: part 1 is its body; LF-only mail and a missing final boundary still parse', () => {
    const plain = Buffer.from('Subject: hi\n\nline one\nline two\n');
    const m = parseMime(plain);
    expect(sectionBytes(plain, m, { part: [1] })!.toString()).toBe('line one\nline two\n');
    expect(wire(bodyStructureValue(plain, m, false))).toBe('("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 18 2)');
    const broken = Buffer.from('Content-Type: multipart/alternative; boundary=x\r\n\r\n--x\r\n\r\nfirst\r\n--x\r\nContent-Type: text/html\r\n\r\n<p>second');
    expect(parseMime(broken).parts.map((p) => p.subtype)).toEqual(['plain', 'html']);
  });

  it('search: decoded subject and body text, flags, sizes and dates without reading the message', async () => {
    const keys: Array<[SearchKey, boolean]> = [
      [{ key: 'SUBJECT', value: 'héllo' }, true],
      [{ key: 'BODY', value: 'CAFÉ' }, true],
      [{ key: 'TEXT', value: 'alice example' }, true],
      [{ key: 'FROM', value: 'nobody' }, false],
      [{ key: 'HEADER', field: 'Message-ID', value: '' }, true],
      [{ key: 'SEEN' }, true],
      [{ key: 'UNSEEN' }, false],
      [{ key: 'NOT', operand: { key: 'DELETED' } }, true],
      [{ key: 'OR', left: { key: 'FLAGGED' }, right: { key: 'LARGER', size: 10 } }, true],
      [{ key: 'UID', set: [{ from: 12, to: '*' }] }, false],
      [{ key: 'ON', date: { year: 2026, month: 11, day: 3 } }, true],
      [{ key: 'SENTBEFORE', date: { year: 2026, month: 11, day: 3 } }, false],
      [{ key: 'SENTSINCE', date: { year: 2026, month: 11, day: 3 } }, true],
    ];
    for (const [key, want] of keys) expect([key, await matchesSearch(key, ctx(MIXED))]).toEqual([key, want]);
    let loaded = false;
    const lazy = ctx(MIXED, { message: async () => ((loaded = true), { raw: MIXED, mime: parseMime(MIXED) }) });
    await matchesSearch({ key: 'AND', operands: [{ key: 'SEEN' }, { key: 'SMALLER', size: 1_000_000 }] }, lazy);
    expect(loaded).toBe(false);
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        const raw = Buffer.from(bytes);
        const m = parseMime(raw);
        bodyStructureValue(raw, m, true);
        envelopeValue(m);
        expect(sectionBytes(raw, m, { part: [] }, { offset: 3, length: 10 })).toEqual(raw.subarray(3, 13));
      }),
      { numRuns: 300 },
    );
  });
});
