/**
 * The relative IMAP URLs CATENATE takes (RFC 5092 via RFC 4469 §5): what each form names, and
 * the forms refused (the server answers NO [BADURL]).
 */
import { describe, expect, it } from 'vitest';
import { parseImapUrl, urlPartial } from '../../../../src/protocol/imap/imap-url.ts';

describe('parseImapUrl', () => {
  it.each<[string, string, unknown]>([
    ['RFC 4469 §6 example', '/INBOX;UIDVALIDITY=385759045/;UID=20/;SECTION=1.MIME', { mailbox: 'INBOX', uidValidity: 385759045, uid: 20, section: { part: [1], text: 'MIME' } }],
    ['no UIDVALIDITY, whole message', '/Drafts/;UID=3', { mailbox: 'Drafts', uid: 3 }],
    ['keys in any case, HEADER.FIELDS escaped, PARTIAL', '/inbox;uidvalidity=7/;uid=9/;section=HEADER.FIELDS%20(FROM%20TO)/;partial=10.200', { mailbox: 'inbox', uidValidity: 7, uid: 9, section: { part: [], text: 'HEADER.FIELDS', fields: ['FROM', 'TO'] }, partial: { offset: 10, length: 200 } }],
    ['PARTIAL without a length', '/INBOX/;UID=1/;PARTIAL=5', { mailbox: 'INBOX', uid: 1, partial: { offset: 5 } }],
    ['hierarchy and UTF-8 in the mailbox', '/Archiv/Entw%C3%BCrfe;UIDVALIDITY=1/;UID=2/;SECTION=TEXT', { mailbox: 'Archiv/Entwürfe', uidValidity: 1, uid: 2, section: { part: [], text: 'TEXT' } }],
  ])('%s', (_n, url, expected) => {
    expect(parseImapUrl(url)).toEqual(expected);
  });

  it.each([
    ['absolute URL', 'imap://alice@mail.example.test/INBOX;UIDVALIDITY=1/;UID=2'],
    ['no UID', '/INBOX;UIDVALIDITY=1'],
    ['UID 0', '/INBOX/;UID=0'],
    ['UID beyond 2^32-1', '/INBOX/;UID=4294967296'],
    ['URLAUTH', '/INBOX/;UID=2;URLAUTH=anonymous'],
    ['a section that is not a section-spec', '/INBOX/;UID=2/;SECTION=1.BOGUS'],
    ['a bad escape', '/IN%ZZBOX/;UID=2'],
    ['invalid UTF-8 in the mailbox', '/%FF/;UID=2'],
    ['an unescaped space', '/My Box/;UID=2'],
    ['no mailbox', '/;UID=2'],
    ['PARTIAL length 0', '/INBOX/;UID=2/;PARTIAL=0.0'],
  ])('refuses %s', (_n, url) => {
    expect(parseImapUrl(url)).toBeUndefined();
  });

  it('PARTIAL selects octets like FETCH <o.n>', () => {
    const d = Buffer.from('0123456789');
    expect(urlPartial(d, { offset: 2, length: 3 }).toString()).toBe('234');
    expect(urlPartial(d, { offset: 8 }).toString()).toBe('89');
    expect(urlPartial(d, { offset: 20, length: 3 }).toString()).toBe('');
  });
});
