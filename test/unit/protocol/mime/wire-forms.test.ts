/**
 * ENVELOPE and BODYSTRUCTURE / BODY as the server sends them, for the fixture messages in
 * test/fixtures/mime. Expected strings follow RFC 3501 §7.4.2 (the ENVELOPE example is the RFC's
 * own, byte for byte) with Cyrus's spelling (upper-case type, subtype, encoding and parameter
 * names) and Dovecot's handling of RFC 2231 and broken mail.
 */
import { describe, expect, it } from 'vitest';
import { bodyStructureValue, envelopeValue, parseMime } from '../../../../src/protocol/mime/index.ts';
import { fixture, wire } from './fixtures.ts';

const TERRY = '("Terry Gray" NIL "gray" "cac.washington.edu")';

const cases: Array<{ file: string; envelope: string; bodystructure: string; body: string }> = [
  {
    file: 'rfc3501-plain.eml',
    envelope: `("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary and minutes" (${TERRY}) (${TERRY}) (${TERRY}) ((NIL NIL "imap" "cac.washington.edu")) ((NIL NIL "minutes" "CNRI.Reston.VA.US")("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL NIL "<B27397-0100000@cac.washington.edu>")`,
    bodystructure: '("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 59 2 NIL NIL NIL NIL)',
    body: '("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 59 2)',
  },
  {
    file: 'alternative.eml', // Sender and Reply-To present: not defaulted to From
    envelope: '("Tue, 3 Nov 2026 23:30:00 -0800" "Lunch?" (("Alice Example" NIL "alice" "example.test")) ((NIL NIL "list-bounces" "lists.example.test")) ((NIL NIL "team" "example.test")) (("Bob" NIL "bob" "example.test")) NIL NIL "<q0@example.test>" "<alt1@example.test>")',
    bodystructure: '(("TEXT" "PLAIN" ("CHARSET" "utf-8" "FORMAT" "flowed") NIL NIL "QUOTED-PRINTABLE" 39 1 NIL NIL NIL NIL)("TEXT" "HTML" ("CHARSET" "utf-8") NIL NIL "QUOTED-PRINTABLE" 53 1 NIL NIL NIL NIL) "ALTERNATIVE" ("BOUNDARY" "=_alt") NIL NIL NIL)',
    body: '(("TEXT" "PLAIN" ("CHARSET" "utf-8" "FORMAT" "flowed") NIL NIL "QUOTED-PRINTABLE" 39 1)("TEXT" "HTML" ("CHARSET" "utf-8") NIL NIL "QUOTED-PRINTABLE" 53 1) "ALTERNATIVE")',
  },
  {
    file: 'mixed-attachment.eml', // groups (one empty), a bare address's comment as its name, every body field
    envelope: '("Mon, 2 Nov 2026 09:15:00 +0100" "Quarterly report" (("Carol" NIL "carol" "example.test")) (("Carol" NIL "carol" "example.test")) (("Carol" NIL "carol" "example.test")) ((NIL NIL "dave" "example.test")) ((NIL NIL "Friends" NIL)(NIL NIL "erin" "example.test")("Frank F." NIL "frank" "example.test")(NIL NIL NIL NIL)(NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL)) (("hidden" NIL "grace" "example.test")) NIL "<mixed1@example.test>")',
    bodystructure: '(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 32 1 NIL NIL NIL NIL)("APPLICATION" "PDF" ("NAME" "report.pdf") "<pdf1@example.test>" "Q3 report" "BASE64" 12 "Q2hlY2sgSW50ZWdyaXR5IQ==" ("ATTACHMENT" ("FILENAME" "report.pdf" "SIZE" "12")) ("en" "de") "http://example.test/report.pdf") "MIXED" ("BOUNDARY" "outer") NIL ("en") NIL)',
    body: '(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 32 1)("APPLICATION" "PDF" ("NAME" "report.pdf") "<pdf1@example.test>" "Q3 report" "BASE64" 12) "MIXED")',
  },
  {
    file: 'nested-rfc822.eml', // body-type-msg: envelope, body and lines of the encapsulated message
    envelope: '("Wed, 4 Nov 2026 08:00:00 +0000" "Fwd: Lunch?" (("Heidi" NIL "heidi" "example.test")) (("Heidi" NIL "heidi" "example.test")) (("Heidi" NIL "heidi" "example.test")) ((NIL NIL "ivan" "example.test")) NIL NIL NIL "<fwd1@example.test>")',
    bodystructure: '(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 10 1 NIL NIL NIL NIL)("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 361 ("Tue, 3 Nov 2026 12:00:00 +0000" "Re: Lunch?" (("Bob" NIL "bob" "example.test")) (("Bob" NIL "bob" "example.test")) (("Bob" NIL "bob" "example.test")) (("Alice" NIL "alice" "example.test")) NIL NIL NIL "<re1@example.test>") (("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 11 1 NIL NIL NIL NIL)("TEXT" "HTML" ("CHARSET" "us-ascii") NIL NIL "7BIT" 18 1 NIL NIL NIL NIL) "ALTERNATIVE" ("BOUNDARY" "inner") NIL NIL NIL) 16 NIL ("INLINE" NIL) NIL NIL) "MIXED" ("BOUNDARY" "fwd") NIL NIL NIL)',
    body: '(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 10 1)("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 361 ("Tue, 3 Nov 2026 12:00:00 +0000" "Re: Lunch?" (("Bob" NIL "bob" "example.test")) (("Bob" NIL "bob" "example.test")) (("Bob" NIL "bob" "example.test")) (("Alice" NIL "alice" "example.test")) NIL NIL NIL "<re1@example.test>") (("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 11 1)("TEXT" "HTML" ("CHARSET" "us-ascii") NIL NIL "7BIT" 18 1) "ALTERNATIVE") 16) "MIXED")',
  },
  {
    file: 'rfc2231.eml', // encoded words stay raw; RFC 2231 sections merged in their encoded form (Dovecot)
    envelope: '("5 Nov 26 10:00 GMT" "=?UTF-8?B?UmFwcG9ydCBmw7xy?= =?ISO-8859-1?Q?_caf=E9?=" ((NIL NIL "judy" "example.test")) ((NIL NIL "judy" "example.test")) ((NIL NIL "judy" "example.test")) ((NIL NIL "kim" "example.test")) NIL NIL NIL "<2231@example.test>")',
    bodystructure: '(("TEXT" "PLAIN" ("CHARSET" "iso-8859-1") NIL NIL "QUOTED-PRINTABLE" 22 1 NIL NIL NIL NIL)("APPLICATION" "OCTET-STREAM" ("NAME*" "iso-8859-1\'fr\'r%E9sum%E9%20long.txt") NIL NIL "BASE64" 16 NIL ("ATTACHMENT" ("FILENAME*" "UTF-8\'\'r%C3%A9sum%C3%A9.txt")) NIL NIL) "MIXED" ("BOUNDARY" "b2231") NIL NIL NIL)',
    body: '(("TEXT" "PLAIN" ("CHARSET" "iso-8859-1") NIL NIL "QUOTED-PRINTABLE" 22 1)("APPLICATION" "OCTET-STREAM" ("NAME*" "iso-8859-1\'fr\'r%E9sum%E9%20long.txt") NIL NIL "BASE64" 16) "MIXED")',
  },
  {
    file: 'broken.eml', // delimiter with trailing blanks, `--brkX` is text, a part without headers, unclosed parts
    envelope: '(NIL "Broken boundaries" (("Mallory" NIL "mallory" "example.test")) (("Mallory" NIL "mallory" "example.test")) (("Mallory" NIL "mallory" "example.test")) ((NIL NIL "kim" "example.test")) NIL NIL NIL NIL)',
    bodystructure: '(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 65 2 NIL NIL NIL NIL)("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 23 1 NIL NIL NIL NIL)(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 23 1 NIL NIL NIL NIL) "ALTERNATIVE" ("BOUNDARY" "inner") NIL NIL NIL)("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 31 1 NIL NIL NIL NIL) "MIXED" ("BOUNDARY" "brk") NIL NIL NIL)',
    body: '(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 65 2)("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 23 1)(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 23 1) "ALTERNATIVE")("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 31 1) "MIXED")',
  },
  {
    file: 'lf-only.lf.eml',
    envelope: '(NIL "LF only" ((NIL NIL "lf" "example.test")) ((NIL NIL "lf" "example.test")) ((NIL NIL "lf" "example.test")) ((NIL NIL "kim" "example.test")) NIL NIL NIL NIL)',
    bodystructure: '(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 17 2 NIL NIL NIL NIL)("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "BASE64" 16 1 NIL NIL NIL NIL) "MIXED" ("BOUNDARY" "lf") NIL NIL NIL)',
    body: '(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 17 2)("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "BASE64" 16 1) "MIXED")',
  },
  {
    file: 'no-separator.eml', // no blank line: all header, empty body
    envelope: '(NIL "no body separator" ((NIL NIL "nosep" "example.test")) ((NIL NIL "nosep" "example.test")) ((NIL NIL "nosep" "example.test")) NIL NIL NIL NIL NIL)',
    bodystructure: '("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 0 0 NIL NIL NIL NIL)',
    body: '("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 0 0)',
  },
];

describe('ENVELOPE, BODYSTRUCTURE and BODY of the fixture messages', () => {
  for (const c of cases) {
    it(c.file, () => {
      const msg = parseMime(fixture(c.file));
      expect(wire(envelopeValue(msg))).toBe(c.envelope);
      expect(wire(bodyStructureValue(msg, true))).toBe(c.bodystructure);
      expect(wire(bodyStructureValue(msg, false))).toBe(c.body);
    });
  }

  it('the deprecated (raw, msg, extended) form gives the same value', () => {
    const raw = fixture('nested-rfc822.eml');
    const msg = parseMime(raw);
    expect(bodyStructureValue(raw, msg, true)).toEqual(bodyStructureValue(msg, true));
  });
});

const env = (header: string): string => wire(envelopeValue(parseMime(Buffer.from(`${header}\r\n\r\nbody\r\n`, 'latin1'))));
const NILS = 'NIL NIL NIL NIL NIL NIL NIL NIL';

describe('ENVELOPE details', () => {
  it.each([
    ['no header at all', '', `(NIL NIL ${NILS})`],
    ['empty subject is "", empty From is NIL', 'Subject:\r\nFrom:', `(NIL "" NIL NIL NIL NIL NIL NIL NIL NIL)`],
    ['first of repeated fields', 'Subject: one\r\nSubject: two', `(NIL "one" ${NILS})`],
    ['folded subject is unfolded, white space kept', 'Subject: a\r\n  b', `(NIL "a  b" ${NILS})`],
    ['8-bit subject goes out as a literal of its bytes', 'Subject: caf\xc3\xa9', `(NIL {5}\r\ncaf\xc3\xa9 ${NILS})`],
    ['quoted local part and source route', 'To: <@relay.test:"john doe"@example.test>', `(NIL NIL NIL NIL NIL ((NIL "@relay.test" "\\"john doe\\"" "example.test")) NIL NIL NIL NIL)`],
    ['missing domain and obs-phrase name', 'To: J. Smith <jsmith>', `(NIL NIL NIL NIL NIL (("J. Smith" NIL "jsmith" "MISSING_DOMAIN")) NIL NIL NIL NIL)`],
    ['encoded-word name kept raw, quoted pair in name', 'Cc: =?UTF-8?Q?Ren=C3=A9?= <r@x.test>, "a \\"b\\"" <b@x.test>', `(NIL NIL NIL NIL NIL NIL ((\"=?UTF-8?Q?Ren=C3=A9?=\" NIL "r" "x.test")("a \\"b\\"" NIL "b" "x.test")) NIL NIL NIL)`],
    // a `)` closing no comment made the tokenizer loop forever (FETCH ENVELOPE ran the node out of memory)
    ['a stray ) is dropped', 'To: a) <b@x.test>, c@x.test)', `(NIL NIL NIL NIL NIL (("a" NIL "b" "x.test")(NIL NIL "c" "x.test")) NIL NIL NIL NIL)`],
  ])('%s', (_name, header, want) => {
    expect(env(header)).toBe(want);
  });

  it('Sender and Reply-To default to From only when absent or empty', () => {
    expect(env('From: a@x.test\r\nSender:\r\nReply-To: r@x.test')).toBe('(NIL NIL ((NIL NIL "a" "x.test")) ((NIL NIL "a" "x.test")) ((NIL NIL "r" "x.test")) NIL NIL NIL NIL NIL)');
  });
});
