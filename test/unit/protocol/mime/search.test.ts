/** SEARCH keys (RFC 3501 §6.4.4) on the fixture messages: every key, decoded text, laziness. */
import { describe, expect, it } from 'vitest';
import { matchesSearch, parseMime, type SearchContext } from '../../../../src/protocol/mime/index.ts';
import { parseSequenceSet } from '../../../../src/protocol/imap/sequence-set.ts';
import type { SearchKey } from '../../../../src/protocol/imap/types.ts';
import { fixture } from './fixtures.ts';

function ctx(file: string, over: Partial<SearchContext> = {}): SearchContext & { loads: () => number } {
  const raw = fixture(file);
  let loads = 0;
  return {
    seq: 2, uid: 20, maxSeq: 5, maxUid: 50,
    flags: new Set(['\\Seen', '\\Flagged', '$Forwarded']),
    recent: false, size: raw.length,
    internalDate: new Date('2026-11-03T23:59:59Z'),
    message: async () => {
      loads++;
      return { raw, mime: parseMime(raw) };
    },
    loads: () => loads,
    ...over,
  };
}

const d = (day: number, month = 11, year = 2026) => ({ year, month, day });
const set = (text: string): SearchKey => ({ key: 'SEQ', set: parseSequenceSet(text)! });

describe('search keys without the message', () => {
  it.each<[SearchKey, boolean, Partial<SearchContext>?]>([
    [{ key: 'ALL' }, true],
    [{ key: 'SEEN' }, true], [{ key: 'UNSEEN' }, false],
    [{ key: 'FLAGGED' }, true], [{ key: 'UNFLAGGED' }, false],
    [{ key: 'ANSWERED' }, false], [{ key: 'UNANSWERED' }, true],
    [{ key: 'DELETED' }, false], [{ key: 'UNDELETED' }, true],
    [{ key: 'DRAFT' }, false], [{ key: 'UNDRAFT' }, true],
    [{ key: 'DELETED' }, true, { flags: new Set(['\\deleted']) }], // flags are case-insensitive
    [{ key: 'RECENT' }, false], [{ key: 'RECENT' }, true, { recent: true }],
    [{ key: 'NEW' }, false, { recent: true }], [{ key: 'NEW' }, true, { recent: true, flags: new Set() }],
    [{ key: 'OLD' }, true], [{ key: 'OLD' }, false, { recent: true }],
    [{ key: 'KEYWORD', flag: '$forwarded' }, true], [{ key: 'KEYWORD', flag: 'Junk' }, false],
    [{ key: 'UNKEYWORD', flag: 'Junk' }, true], [{ key: 'UNKEYWORD', flag: '$Forwarded' }, false],
    [{ key: 'LARGER', size: 100 }, true, { size: 101 }], [{ key: 'LARGER', size: 101 }, false, { size: 101 }],
    [{ key: 'SMALLER', size: 101 }, false, { size: 101 }], [{ key: 'SMALLER', size: 102 }, true, { size: 101 }],
    [set('2'), true], [set('1,3:4'), false], [set('5:*'), false], [set('*'), true, { seq: 5 }], [set('4:*'), true, { seq: 7, maxSeq: 7 }],
    [{ key: 'UID', set: [{ from: 10, to: 20 }] }, true], [{ key: 'UID', set: [{ from: '*', to: '*' }] }, true, { uid: 50 }],
    [{ key: 'UID', set: [{ from: 21, to: '*' }] }, false],
    [{ key: 'UID', set: '$' }, false], [{ key: 'SEQ', set: '$' }, false],
    // internal date 2026-11-03 23:59:59 UTC: the day is 3 Nov
    [{ key: 'ON', date: d(3) }, true], [{ key: 'ON', date: d(4) }, false],
    [{ key: 'BEFORE', date: d(4) }, true], [{ key: 'BEFORE', date: d(3) }, false],
    [{ key: 'SINCE', date: d(3) }, true], [{ key: 'SINCE', date: d(4) }, false],
    [{ key: 'NOT', operand: { key: 'SEEN' } }, false],
    [{ key: 'OR', left: { key: 'DELETED' }, right: { key: 'SEEN' } }, true],
    [{ key: 'OR', left: { key: 'DELETED' }, right: { key: 'DRAFT' } }, false],
    [{ key: 'AND', operands: [{ key: 'SEEN' }, { key: 'FLAGGED' }] }, true],
    [{ key: 'AND', operands: [{ key: 'SEEN' }, { key: 'DRAFT' }] }, false],
    [{ key: 'AND', operands: [] }, true],
  ])('%j → %s', async (key, want, over) => {
    const c = ctx('alternative.eml', over);
    expect(await matchesSearch(key, c)).toBe(want);
    expect(c.loads()).toBe(0);
  });

  it('AND tries the cheap keys first and does not read the message when they miss', async () => {
    const c = ctx('alternative.eml');
    expect(await matchesSearch({ key: 'AND', operands: [{ key: 'BODY', value: 'noon' }, { key: 'DELETED' }] }, c)).toBe(false);
    expect(c.loads()).toBe(0);
    expect(await matchesSearch({ key: 'OR', left: { key: 'BODY', value: 'x' }, right: { key: 'SEEN' } }, c)).toBe(true);
    expect(c.loads()).toBe(0);
  });

  it('reads the message once however many text keys there are', async () => {
    const c = ctx('alternative.eml');
    const key: SearchKey = { key: 'AND', operands: [{ key: 'SUBJECT', value: 'lunch' }, { key: 'BODY', value: 'noon' }, { key: 'NOT', operand: { key: 'TEXT', value: 'zebra' } }] };
    expect(await matchesSearch(key, c)).toBe(true);
    expect(c.loads()).toBe(1);
  });

  it('rejects when the message cannot be read (e.g. expunged meanwhile)', async () => {
    const c = ctx('alternative.eml', { message: () => Promise.reject(new Error('gone')) });
    await expect(matchesSearch({ key: 'BODY', value: 'x' }, c)).rejects.toThrow('gone');
  });
});

describe('search keys on the message text', () => {
  it.each<[string, SearchKey, boolean]>([
    // headers: case-insensitive substring on decoded text
    ['alternative.eml', { key: 'FROM', value: 'ALICE example' }, true],
    ['alternative.eml', { key: 'FROM', value: 'bob' }, false],
    ['alternative.eml', { key: 'TO', value: 'bob@example' }, true],
    ['mixed-attachment.eml', { key: 'CC', value: 'frank f.' }, true],
    ['mixed-attachment.eml', { key: 'CC', value: 'undisclosed' }, true],
    ['mixed-attachment.eml', { key: 'BCC', value: 'grace' }, true],
    ['alternative.eml', { key: 'BCC', value: '' }, false], // no Bcc field
    ['alternative.eml', { key: 'SUBJECT', value: 'lunch?' }, true],
    ['rfc2231.eml', { key: 'SUBJECT', value: 'rapport für café' }, true], // RFC 2047, two charsets
    ['rfc2231.eml', { key: 'SUBJECT', value: 'UTF-8' }, false], // not the encoded form
    ['alternative.eml', { key: 'HEADER', field: 'in-reply-to', value: 'q0@' }, true],
    ['alternative.eml', { key: 'HEADER', field: 'MESSAGE-ID', value: '' }, true], // empty: field present
    ['alternative.eml', { key: 'HEADER', field: 'X-Spam', value: '' }, false],
    ['nested-rfc822.eml', { key: 'HEADER', field: 'subject', value: 'Re: Lunch' }, false], // top-level header only
    // BODY: text parts decoded (quoted-printable, base64, charsets); not headers, not attachments
    ['alternative.eml', { key: 'BODY', value: 'CAFÉ AT NOON' }, true],
    ['alternative.eml', { key: 'BODY', value: 'caf=C3=A9' }, false],
    ['alternative.eml', { key: 'BODY', value: 'Lunch?' }, false],
    ['rfc2231.eml', { key: 'BODY', value: 'voilà le résumé' }, true], // iso-8859-1 quoted-printable
    ['rfc2231.eml', { key: 'BODY', value: 'hello world' }, false], // base64 in an application part
    ['lf-only.lf.eml', { key: 'BODY', value: 'base64 text' }, true], // base64 text/plain, LF-only
    ['lf-only.lf.eml', { key: 'BODY', value: 'one\nline two' }, true],
    ['mixed-attachment.eml', { key: 'BODY', value: 'report attached' }, true],
    ['mixed-attachment.eml', { key: 'BODY', value: 'JVBERi' }, false],
    ['nested-rfc822.eml', { key: 'BODY', value: 'noon works' }, true], // inside message/rfc822
    ['nested-rfc822.eml', { key: 'BODY', value: 'Re: Lunch?' }, true], // the encapsulated header is body
    ['broken.eml', { key: 'BODY', value: 'inner part never closed' }, true],
    // TEXT: header and body
    ['alternative.eml', { key: 'TEXT', value: 'lunch?' }, true],
    ['alternative.eml', { key: 'TEXT', value: 'café' }, true],
    ['alternative.eml', { key: 'TEXT', value: 'zebra' }, false],
    // undeclared 8-bit: UTF-8 where the bytes are, latin1 for the stray bytes, in headers and body
    ['8bit-undeclared.eml', { key: 'SUBJECT', value: 'grüße aus köln' }, true],
    ['8bit-undeclared.eml', { key: 'FROM', value: 'JÜRGEN GROß' }, true],
    ['8bit-undeclared.eml', { key: 'HEADER', field: 'subject', value: 'Köln ÿ!' }, true],
    ['8bit-undeclared.eml', { key: 'BODY', value: 'straße ist' }, true],
    ['8bit-undeclared.eml', { key: 'BODY', value: 'über die straßenbahn' }, true],
    ['8bit-undeclared.eml', { key: 'TEXT', value: 'Grüße' }, true],
    ['8bit-undeclared.eml', { key: 'BODY', value: 'Stra\u00c3\u009fe' }, false], // not the bytes read as latin1
    // SENT*: the day written in Date:, zone disregarded (Tue, 3 Nov 2026 23:30:00 -0800 is 4 Nov UTC)
    ['alternative.eml', { key: 'SENTON', date: d(3) }, true],
    ['alternative.eml', { key: 'SENTBEFORE', date: d(4) }, true],
    ['alternative.eml', { key: 'SENTBEFORE', date: d(3) }, false],
    ['alternative.eml', { key: 'SENTSINCE', date: d(3) }, true],
    ['alternative.eml', { key: 'SENTSINCE', date: d(4) }, false],
    ['rfc2231.eml', { key: 'SENTON', date: d(5) }, true], // `5 Nov 26`: two-digit year
    ['broken.eml', { key: 'SENTSINCE', date: d(1, 1, 1970) }, false], // no Date: header
    ['broken.eml', { key: 'NOT', operand: { key: 'SENTBEFORE', date: d(1, 1, 2100) } }, true],
  ])('%s %j → %s', async (file, key, want) => {
    expect(await matchesSearch(key, ctx(file))).toBe(want);
  });
});
