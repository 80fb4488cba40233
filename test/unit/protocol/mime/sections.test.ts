/** BODY[section]<partial> (RFC 3501 §6.4.5) over the fixture messages. */
import { describe, expect, it } from 'vitest';
import { parseMime, sectionBytes } from '../../../../src/protocol/mime/index.ts';
import type { ByteRange, Section } from '../../../../src/protocol/imap/types.ts';
import { fixture } from './fixtures.ts';

function fetch(file: string, section: Section, partial?: ByteRange): string | null {
  const raw = fixture(file);
  return sectionBytes(raw, parseMime(raw), section, partial)?.toString('latin1') ?? null;
}

const NESTED_MSG = [
  'From: Bob <bob@example.test>', 'To: Alice <alice@example.test>', 'Subject: Re: Lunch?', 'Date: Tue, 3 Nov 2026 12:00:00 +0000',
  'Message-ID: <re1@example.test>', 'Content-Type: multipart/alternative; boundary="inner"', '',
].join('\r\n');

describe('sectionBytes', () => {
  it.each<[string, string, Section, string | null]>([
    ['[] is the whole message', 'no-separator.eml', { part: [] }, 'From: nosep@example.test\r\nSubject: no body separator\r\nX-Tail: the end'],
    ['[HEADER] ends with the blank line', 'rfc3501-plain.eml', { part: [], text: 'HEADER' }, fixture('rfc3501-plain.eml').toString('latin1').split('\r\n\r\n')[0] + '\r\n\r\n'],
    ['[TEXT] of a single-part message', 'rfc3501-plain.eml', { part: [], text: 'TEXT' }, 'The meeting was held in the Alaska room.\r\nMinutes follow.\r\n'],
    ['[1] of a single-part message is its body', 'rfc3501-plain.eml', { part: [1] }, 'The meeting was held in the Alaska room.\r\nMinutes follow.\r\n'],
    ['[1.MIME] of a single-part message is its header', 'no-separator.eml', { part: [1], text: 'MIME' }, 'From: nosep@example.test\r\nSubject: no body separator\r\nX-Tail: the end'],
    ['[2] of a single-part message does not exist', 'rfc3501-plain.eml', { part: [2] }, null],
    ['[1.1] of a single-part text message does not exist', 'rfc3501-plain.eml', { part: [1, 1] }, null],
    ['[TEXT] with no header/body separator is empty', 'no-separator.eml', { part: [], text: 'TEXT' }, ''],
    ['[1] of a multipart: the part body, without the CRLF before the delimiter', 'alternative.eml', { part: [1] }, 'Shall we meet at the caf=C3=A9 at noon?'],
    ['[2.MIME]', 'alternative.eml', { part: [2], text: 'MIME' }, 'Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'],
    ['[3] past the last part', 'alternative.eml', { part: [3] }, null],
    ['[TEXT] of a multipart includes preamble and delimiters', 'alternative.eml', { part: [], text: 'TEXT' }, fixture('alternative.eml').toString('latin1').split('\r\n\r\n').slice(1).join('\r\n\r\n')],
    ['[1.HEADER] of a part that is not message/rfc822', 'alternative.eml', { part: [1], text: 'HEADER' }, null],
    ['[2] of message/rfc822 is the whole encapsulated message', 'nested-rfc822.eml', { part: [2] }, `${NESTED_MSG}\r\n--inner\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nNoon works.\r\n--inner\r\nContent-Type: text/html; charset=us-ascii\r\n\r\n<p>Noon works.</p>\r\n--inner--`],
    ['[2.HEADER] is the encapsulated message header', 'nested-rfc822.eml', { part: [2], text: 'HEADER' }, `${NESTED_MSG}\r\n`],
    ['[2.MIME] is the part header', 'nested-rfc822.eml', { part: [2], text: 'MIME' }, 'Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n'],
    ['[2.1] numbers the parts of the encapsulated message', 'nested-rfc822.eml', { part: [2, 1] }, 'Noon works.'],
    ['[2.2.MIME]', 'nested-rfc822.eml', { part: [2, 2], text: 'MIME' }, 'Content-Type: text/html; charset=us-ascii\r\n\r\n'],
    ['[2.TEXT] is the encapsulated body', 'nested-rfc822.eml', { part: [2], text: 'TEXT' }, '--inner\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nNoon works.\r\n--inner\r\nContent-Type: text/html; charset=us-ascii\r\n\r\n<p>Noon works.</p>\r\n--inner--'],
    ['[2.3] past the encapsulated parts', 'nested-rfc822.eml', { part: [2, 3] }, null],
    ['[2.HEADER.FIELDS (subject)]', 'nested-rfc822.eml', { part: [2], text: 'HEADER.FIELDS', fields: ['subject'] }, 'Subject: Re: Lunch?\r\n\r\n'],
    ['[HEADER.FIELDS] keeps folding and message order', 'rfc3501-plain.eml', { part: [], text: 'HEADER.FIELDS', fields: ['CC', 'from'] }, 'From: Terry Gray <gray@cac.washington.edu>\r\ncc: minutes@CNRI.Reston.VA.US,\r\n John Klensin <KLENSIN@MIT.EDU>\r\n\r\n'],
    ['[HEADER.FIELDS] with no match is the blank line', 'rfc3501-plain.eml', { part: [], text: 'HEADER.FIELDS', fields: ['X-None'] }, '\r\n'],
    ['[HEADER.FIELDS.NOT]', 'no-separator.eml', { part: [], text: 'HEADER.FIELDS.NOT', fields: ['from', 'subject'] }, 'X-Tail: the end\r\n\r\n'],
    ['[3.1] inside a multipart with no close delimiter', 'broken.eml', { part: [3, 1] }, 'inner part never closed'],
    ['[2] a part without headers', 'broken.eml', { part: [2] }, 'no headers in this part'],
    ['[2.MIME] a part without headers: the empty line', 'broken.eml', { part: [2], text: 'MIME' }, '\r\n'],
    ['[1] of an LF-only message', 'lf-only.lf.eml', { part: [1] }, 'line one\nline two'],
  ])('%s', (_name, file, section, want) => {
    expect(fetch(file, section)).toBe(want);
  });

  it('partial <o.n>: a slice, shorter at the end, empty past it (RFC 3501 §6.4.5)', () => {
    const file = 'alternative.eml';
    expect(fetch(file, { part: [1] }, { offset: 0, length: 5 })).toBe('Shall');
    expect(fetch(file, { part: [1] }, { offset: 34, length: 100 })).toBe('noon?');
    expect(fetch(file, { part: [1] }, { offset: 39, length: 1 })).toBe('');
    expect(fetch(file, { part: [1] }, { offset: 1000, length: 1 })).toBe('');
    expect(fetch(file, { part: [9] }, { offset: 0, length: 1 })).toBeNull();
    expect(fetch(file, { part: [], text: 'HEADER.FIELDS', fields: ['subject'] }, { offset: 9, length: 6 })).toBe('Lunch?');
  });

  it('[] and [1] are views into the raw buffer, not copies', () => {
    const raw = fixture('alternative.eml');
    const msg = parseMime(raw);
    expect(sectionBytes(raw, msg, { part: [] })).toBe(raw);
    expect(sectionBytes(raw, msg, { part: [1] })!.buffer).toBe(raw.buffer);
  });
});
