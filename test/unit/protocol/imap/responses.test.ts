/**
 * Response writers, byte for byte: what clients parse. Strings go out as atom / quoted / literal
 * depending on content; human text can never break a line; mailbox names are modified UTF-7.
 */
import { describe, expect, it } from 'vitest';
import {
  capabilityData, continuation, continuationData, esearchData, fetchData, flagsData, listData, namespaceData,
  searchData, statusData, taggedResponse, untaggedData, untaggedStatus,
} from '../../../../src/protocol/imap/index.ts';

const s = (b: Buffer): string => b.toString('utf8');

describe('status responses', () => {
  it.each<[string, Buffer, string]>([
    ['tagged OK with a code', taggedResponse('a1', 'OK', 'SELECT completed', { code: 'READ-WRITE' }), 'a1 OK [READ-WRITE] SELECT completed\r\n'],
    ['NO with TRYCREATE', taggedResponse('a2', 'NO', 'no mailbox', { code: 'TRYCREATE' }), 'a2 NO [TRYCREATE] no mailbox\r\n'],
    ['BADCHARSET with the list', taggedResponse('a3', 'NO', 'x', { code: 'BADCHARSET', charsets: ['UTF-8', 'US-ASCII'] }), 'a3 NO [BADCHARSET (UTF-8 US-ASCII)] x\r\n'],
    ['APPENDUID', taggedResponse('a4', 'OK', 'done', { code: 'APPENDUID', uidValidity: 38505, uids: [3955] }), 'a4 OK [APPENDUID 38505 3955] done\r\n'],
    ['BADURL is the bare URL with ] escaped (RFC 4469 §5, errata 4046)', taggedResponse('a4', 'NO', 'bad', { code: 'BADURL', url: '/INBOX;UIDVALIDITY=5/;UID=1/;SECTION=]' }), 'a4 NO [BADURL /INBOX;UIDVALIDITY=5/;UID=1/;SECTION=%5D] bad\r\n'],
    ['APPENDUID of a MULTIAPPEND (RFC 3502 §6.3.11)', taggedResponse('a4', 'OK', 'done', { code: 'APPENDUID', uidValidity: 38505, uids: [3955, 3956, 3957] }), 'a4 OK [APPENDUID 38505 3955:3957] done\r\n'],
    ['COPYUID pairs kept', taggedResponse('a5', 'OK', 'done', { code: 'COPYUID', uidValidity: 9, source: [3, 1, 2], destination: [13, 11, 12] }), 'a5 OK [COPYUID 9 1:3 11:13] done\r\n'],
    ['PERMANENTFLAGS with \\*', untaggedStatus('OK', 'flags', { code: 'PERMANENTFLAGS', flags: ['\\Seen', '$Fwd', '\\*'] }), '* OK [PERMANENTFLAGS (\\Seen $Fwd \\*)] flags\r\n'],
    ['UIDVALIDITY', untaggedStatus('OK', 'ok', { code: 'UIDVALIDITY', value: 4294967295 }), '* OK [UIDVALIDITY 4294967295] ok\r\n'],
    ['BYE', untaggedStatus('BYE', 'server shutting down'), '* BYE server shutting down\r\n'],
    ['text cannot inject a line', taggedResponse('a6', 'NO', 'bad\r\n* OK [ALERT] pwned'), 'a6 NO bad  * OK [ALERT] pwned\r\n'],
    ['non-ASCII text is replaced', taggedResponse('a7', 'NO', 'Größe'), 'a7 NO Gr??e\r\n'],
    ['empty text gets a word', taggedResponse('a8', 'BAD', ''), 'a8 BAD invalid\r\n'],
    ['continuation', continuation('go ahead'), '+ go ahead\r\n'],
    ['empty SASL challenge', continuationData(Buffer.alloc(0)), '+ \r\n'],
  ])('%s', (_n, bytes, wire) => {
    expect(s(bytes)).toBe(wire);
  });

  it('refuses tags that are not tags (a programming error, not client input)', () => {
    expect(() => taggedResponse('a b', 'OK', 'x')).toThrow(RangeError);
    expect(() => taggedResponse('*', 'OK', 'x')).toThrow(RangeError);
  });
});

describe('untagged data', () => {
  it.each<[string, Buffer, string]>([
    ['CAPABILITY', capabilityData(['IMAP4rev1', 'IDLE', 'AUTH=PLAIN']), '* CAPABILITY IMAP4rev1 IDLE AUTH=PLAIN\r\n'],
    ['FLAGS', flagsData(['\\Seen', '$Junk']), '* FLAGS (\\Seen $Junk)\r\n'],
    ['LIST with a mUTF-7 name', listData('LIST', { attributes: ['\\HasNoChildren', '\\Drafts'], delimiter: '/', name: 'Entwürfe' }), '* LIST (\\HasNoChildren \\Drafts) "/" Entw&APw-rfe\r\n'],
    ['LIST quotes names with spaces', listData('LIST', { attributes: [], delimiter: '/', name: 'Sent Items' }), '* LIST () "/" "Sent Items"\r\n'],
    ['LIST of a folder named NIL', listData('LSUB', { attributes: [], delimiter: null, name: 'NIL' }), '* LSUB () NIL "NIL"\r\n'],
    ['LIST with CHILDINFO (RFC 5258 §3.5)', listData('LIST', { attributes: ['\\NonExistent'], delimiter: '/', name: 'Foo', childInfo: ['SUBSCRIBED'] }), '* LIST (\\NonExistent) "/" Foo ("CHILDINFO" ("SUBSCRIBED"))\r\n'],
    ['LIST after UTF8=ACCEPT', listData('LIST', { attributes: [], delimiter: '/', name: 'Entwürfe' }, { utf8: true }), '* LIST () "/" "Entwürfe"\r\n'],
    ['STATUS', statusData('INBOX', [{ item: 'MESSAGES', value: 2 }, { item: 'UIDNEXT', value: 5 }]), '* STATUS INBOX (MESSAGES 2 UIDNEXT 5)\r\n'],
    ['STATUS APPENDLIMIT NIL (RFC 7889 §3: no limit)', statusData('INBOX', [{ item: 'APPENDLIMIT', value: null }, { item: 'MESSAGES', value: 1 }]), '* STATUS INBOX (APPENDLIMIT NIL MESSAGES 1)\r\n'],
    ['SEARCH with no match', searchData([]), '* SEARCH\r\n'],
    ['SEARCH', searchData([2, 3, 7]), '* SEARCH 2 3 7\r\n'],
    ['ESEARCH', esearchData({ tag: 'a1', uid: true, min: 1, max: 7, all: [1, 2, 3, 4, 5, 7], count: 6 }), '* ESEARCH (TAG "a1") UID MIN 1 MAX 7 ALL 1:5,7 COUNT 6\r\n'],
    ['ESEARCH with no match omits ALL', esearchData({ tag: 'a1', uid: false, all: [], count: 0 }), '* ESEARCH (TAG "a1") COUNT 0\r\n'],
    ['NAMESPACE', namespaceData([{ prefix: '', delimiter: '/' }], null, null), '* NAMESPACE (("" "/")) NIL NIL\r\n'],
    ['generic data: strings quoted, NIL, nested lists', untaggedData([{ atom: 'QUOTA' }, '', [{ atom: 'STORAGE' }, 10, 512]]), '* QUOTA "" (STORAGE 10 512)\r\n'],
  ])('%s', (_n, bytes, wire) => {
    expect(s(bytes)).toBe(wire);
  });
});

describe('FETCH data', () => {
  it('flags, UID, size and INTERNALDATE', () => {
    expect(s(fetchData(12, [{ item: 'UID', value: 42 }, { item: 'FLAGS', flags: ['\\Seen', '\\Recent'] }, { item: 'RFC822.SIZE', value: 310 }, { item: 'INTERNALDATE', date: new Date('2026-11-03T10:00:00Z') }])))
      .toBe('* 12 FETCH (UID 42 FLAGS (\\Seen \\Recent) RFC822.SIZE 310 INTERNALDATE "03-Nov-2026 10:00:00 +0000")\r\n');
  });

  it('body sections are literals with their exact byte count, partials carry their origin', () => {
    const body = Buffer.from('Subject: Grüße\r\n\r\n');
    expect(s(fetchData(1, [{ item: 'BODY[]', section: { part: [], text: 'HEADER.FIELDS', fields: ['Subject'] }, data: body }])))
      .toBe(`* 1 FETCH (BODY[HEADER.FIELDS (Subject)] {${body.length}}\r\n${body.toString()})\r\n`);
    expect(s(fetchData(1, [{ item: 'BODY[]', section: { part: [1, 2] }, origin: 100, data: Buffer.from('abc') }]))).toBe('* 1 FETCH (BODY[1.2]<100> {3}\r\nabc)\r\n');
    expect(s(fetchData(1, [{ item: 'BODY[]', section: { part: [9] }, data: null }]))).toBe('* 1 FETCH (BODY[9] NIL)\r\n');
  });

  it('ENVELOPE strings with quotes, CR/LF or 8-bit bytes are quoted-escaped or literals', () => {
    const env = ['date', 'say "hi"', 'line\r\nbreak', 'Grüße', null];
    expect(s(fetchData(3, [{ item: 'ENVELOPE', value: env }]))).toBe('* 3 FETCH (ENVELOPE ("date" "say \\"hi\\"" {11}\r\nline\r\nbreak {7}\r\nGrüße NIL))\r\n');
  });
});
