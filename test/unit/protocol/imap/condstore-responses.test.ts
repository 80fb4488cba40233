/**
 * RFC 7162 response syntax: the HIGHESTMODSEQ, NOMODSEQ and MODIFIED codes, MODSEQ in FETCH,
 * SEARCH and ESEARCH, and VANISHED (§7, the formal syntax) — exact bytes.
 */
import { describe, expect, it } from 'vitest';
import { esearchData, fetchData, searchData, taggedResponse, untaggedStatus, vanishedData } from '../../../../src/protocol/imap/index.ts';

describe('RFC 7162 responses', () => {
  it.each<[string, Buffer, string]>([
    ['HIGHESTMODSEQ (§3.1.2.1)', untaggedStatus('OK', 'Highest', { code: 'HIGHESTMODSEQ', value: 715194045007 }), '* OK [HIGHESTMODSEQ 715194045007] Highest\r\n'],
    ['NOMODSEQ (§3.1.2.2)', untaggedStatus('OK', 'Sorry, this mailbox format doesn\'t support modsequences', { code: 'NOMODSEQ' }), '* OK [NOMODSEQ] Sorry, this mailbox format doesn\'t support modsequences\r\n'],
    ['MODIFIED, compressed and ordered (§3.1.3)', taggedResponse('d105', 'OK', 'Conditional STORE failed', { code: 'MODIFIED', set: [7, 9, 10, 11, 12] }), 'd105 OK [MODIFIED 7,9:12] Conditional STORE failed\r\n'],
    ['FETCH MODSEQ (§3.1.4.1)', fetchData(1, [{ item: 'UID', value: 4 }, { item: 'MODSEQ', value: 65402 }]), '* 1 FETCH (UID 4 MODSEQ (65402))\r\n'],
    ['SEARCH with MODSEQ (§3.1.5)', searchData([2, 5, 6, 7, 11, 12, 18, 19, 20, 23], 917162500), '* SEARCH 2 5 6 7 11 12 18 19 20 23 (MODSEQ 917162500)\r\n'],
    ['SEARCH with nothing found has no MODSEQ', searchData([], 9), '* SEARCH\r\n'],
    ['ESEARCH MODSEQ', esearchData({ tag: 'a', uid: true, all: [1, 2, 3, 5], modseq: 1236 }), '* ESEARCH (TAG "a") UID ALL 1:3,5 MODSEQ 1236\r\n'],
    ['VANISHED (EARLIER) (§3.2.10)', vanishedData([{ from: 41, to: 41 }, { from: 43, to: 116 }, { from: 118, to: 118 }], true), '* VANISHED (EARLIER) 41,43:116,118\r\n'],
    ['VANISHED', vanishedData([{ from: 405, to: 407 }, { from: 410, to: 410 }], false), '* VANISHED 405:407,410\r\n'],
  ])('%s', (_label, bytes, wire) => {
    expect(bytes.toString()).toBe(wire);
  });

  it('refuses an empty VANISHED', () => {
    expect(() => vanishedData([], false)).toThrow(RangeError);
  });
});
