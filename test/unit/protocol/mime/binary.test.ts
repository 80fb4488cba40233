/**
 * BINARY[section-part] content (RFC 3516 §4.2): which bytes each part number gives once its
 * Content-Transfer-Encoding is undone, and the parts that cannot be decoded.
 */
import { describe, expect, it } from 'vitest';
import { binaryContent, parseMime } from '../../../../src/protocol/mime/index.ts';

const bytes = Buffer.from([0x00, 0x01, 0xfe, 0xff, 0x0d, 0x0a, 0x00]);
const mail = [
  'From: a@example.test',
  'Content-Type: multipart/mixed; boundary="b"',
  '',
  '--b',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'Gr=C3=BC=C3=9Fe, a long line that is=',
  ' soft-broken=3D',
  '--b',
  'Content-Type: application/octet-stream',
  'Content-Transfer-Encoding: BASE64',
  '',
  bytes.toString('base64').slice(0, 6),
  bytes.toString('base64').slice(6),
  '--b',
  'Content-Type: text/plain',
  '',
  'no CTE: as stored',
  '--b',
  'Content-Type: application/x-thing',
  'Content-Transfer-Encoding: x-uuencode',
  '',
  'begin 644 x',
  '--b',
  'Content-Type: message/rfc822',
  '',
  'Subject: inner',
  'Content-Transfer-Encoding: base64',
  '',
  'aW5uZXI=',
  '--b--',
  '',
].join('\r\n');
const raw = Buffer.from(mail, 'latin1');
const msg = parseMime(raw);
const content = (...path: number[]) => binaryContent(raw, msg, path);

describe('binaryContent', () => {
  it('[] is the whole message as stored', () => {
    expect(content()).toBe(raw);
  });

  it('decodes quoted-printable (soft line breaks, =XX) and base64 across lines, case-insensitive CTE', () => {
    expect((content(1) as Buffer).toString('utf8')).toBe('Grüße, a long line that is soft-broken=');
    expect(content(2)).toEqual(bytes);
  });

  it('a part without CTE, and a message/rfc822 part, are their bodies as stored; inside it, the inner body decodes', () => {
    expect((content(3) as Buffer).toString()).toBe('no CTE: as stored');
    expect((content(5) as Buffer).toString()).toBe('Subject: inner\r\nContent-Transfer-Encoding: base64\r\n\r\naW5uZXI=');
    expect((content(5, 1) as Buffer).toString()).toBe('inner');
  });

  it('an encoding it cannot undo is reported, a missing part is null', () => {
    expect(content(4)).toEqual({ unknownCte: 'x-uuencode' });
    expect(content(9)).toBeNull();
    expect(content(3, 2)).toBeNull();
  });

  it('part 1 of a single-part message is its decoded body', () => {
    const single = Buffer.from(`Subject: x\r\nContent-Transfer-Encoding: base64\r\n\r\n${bytes.toString('base64')}\r\n`);
    expect(binaryContent(single, parseMime(single), [1])).toEqual(bytes);
  });
});
