/**
 * SORT / THREAD / ESORT transcripts over real TCP against the memory store, by RFC section:
 * RFC 5256 §3 (commands, charsets, errors), §4 (response syntax), RFC 5957 (DISPLAYFROM),
 * RFC 5267 §3 (ESORT RETURN) and §4.4 (PARTIAL), RFC 3501 §7.4.1 (no EXPUNGE during SORT).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/storage/memory/store.ts';
import { threadData } from '../../src/protocol/imap/response-data.ts';
import { RawImap, startImap } from '../harness/imap.ts';

const USERS = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`s${i}@example.test`, 'secret-pass']));
let srv: Awaited<ReturnType<typeof startImap>>;
const clients: RawImap[] = [];
let nextUser = 0;

const msg = (h: { from?: string; subject: string; date?: string; id?: string; refs?: string }, body = 'x'): string =>
  `From: ${h.from ?? 'bob@example.test'}\r\nTo: alice@example.test\r\nSubject: ${h.subject}\r\n` +
  (h.date ? `Date: ${h.date}\r\n` : '') + (h.id ? `Message-ID: <${h.id}>\r\n` : '') + (h.refs ? `References: ${h.refs}\r\n` : '') + `\r\n${body}\r\n`;

async function mailbox(messages: Array<{ date: string; raw: string }>): Promise<RawImap> {
  const c = await RawImap.open(srv.port);
  clients.push(c);
  expect(await c.cmd('l', `LOGIN s${nextUser++}@example.test secret-pass`)).toMatch(/^l OK /);
  for (const m of messages) expect(await c.cmd('a', `APPEND INBOX "${m.date}" {${Buffer.byteLength(m.raw)}+}\r\n${m.raw}`)).toMatch(/(^|\n)a OK /);
  expect(await c.cmd('s', 'SELECT INBOX')).toMatch(/(^|\n)s OK /);
  return c;
}

// 1: "b" sent 3 Nov; 2: "Re: a" sent 1 Nov (a reply to 3); 3: "a" with no Date (INTERNALDATE 2 Nov).
const THREE = [
  { date: '05-Nov-2026 00:00:00 +0000', raw: msg({ from: 'Zoe <zoe@z.test>', subject: 'b', date: 'Tue, 3 Nov 2026 00:00:00 +0000', id: 'b@t' }, 'longest body here') },
  { date: '04-Nov-2026 00:00:00 +0000', raw: msg({ from: 'Adam <zed@a.test>', subject: 'Re: a', date: 'Sun, 1 Nov 2026 00:00:00 +0000', id: 'ra@t', refs: '<a@t>' }) },
  { date: '02-Nov-2026 00:00:00 +0000', raw: msg({ from: 'amy@m.test', subject: 'a', id: 'a@t' }, 'mid') },
];

beforeAll(async () => {
  srv = await startImap(new MemoryStore(), USERS);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await srv.server.close();
});

describe('RFC 5256 §3 SORT', () => {
  it('sorts by each key, REVERSE per key, ties in mailbox order; UID SORT answers UIDs', async () => {
    const c = await mailbox(THREE);
    expect(await c.cmd('t1', 'SORT (SUBJECT) UTF-8 ALL')).toBe('* SORT 2 3 1\r\nt1 OK SORT completed\r\n');
    expect(await c.cmd('t2', 'SORT (DATE) US-ASCII ALL')).toBe('* SORT 2 3 1\r\nt2 OK SORT completed\r\n'); // 3 has no Date: INTERNALDATE 2 Nov
    expect(await c.cmd('t3', 'SORT (ARRIVAL) UTF-8 ALL')).toBe('* SORT 3 2 1\r\nt3 OK SORT completed\r\n');
    expect(await c.cmd('t4', 'SORT (REVERSE SIZE) UTF-8 ALL')).toBe('* SORT 2 1 3\r\nt4 OK SORT completed\r\n');
    expect(await c.cmd('t5', 'SORT (FROM) UTF-8 ALL')).toBe('* SORT 3 2 1\r\nt5 OK SORT completed\r\n'); // amy < zed < zoe
    expect(await c.cmd('t6', 'SORT (DISPLAYFROM) UTF-8 ALL')).toBe('* SORT 2 3 1\r\nt6 OK SORT completed\r\n'); // Adam < amy@m.test < Zoe (RFC 5957)
    expect(await c.cmd('t7', 'SORT (TO REVERSE ARRIVAL) UTF-8 ALL')).toBe('* SORT 1 2 3\r\nt7 OK SORT completed\r\n'); // all To equal
    expect(await c.cmd('t8', 'SORT (CC) UTF-8 ALL')).toBe('* SORT 1 2 3\r\nt8 OK SORT completed\r\n'); // no Cc at all: mailbox order
    const uids = (await c.cmd('f', 'FETCH 1:3 UID')).match(/UID (\d+)/g)!.map((u) => u.slice(4));
    expect(await c.cmd('t9', 'UID SORT (SUBJECT) UTF-8 ALL')).toBe(`* SORT ${uids[1]} ${uids[2]} ${uids[0]}\r\nt9 OK SORT completed\r\n`);
  });

  it('the search criteria select what is sorted; nothing matched is a bare * SORT', async () => {
    const c = await mailbox(THREE);
    expect(await c.cmd('t1', 'SORT (SUBJECT) UTF-8 NOT SUBJECT b')).toBe('* SORT 2 3\r\nt1 OK SORT completed\r\n');
    expect(await c.cmd('t2', 'SORT (SUBJECT) UTF-8 SUBJECT zzz')).toBe('* SORT\r\nt2 OK SORT completed\r\n');
  });

  it('an unsupported charset is NO [BADCHARSET]; bad syntax and keys are BAD; outside SELECTED it is BAD', async () => {
    const c = await mailbox(THREE);
    expect(await c.cmd('b1', 'SORT (DATE) KOI8-R ALL')).toMatch(/^b1 NO \[BADCHARSET \(UTF-8 US-ASCII\)\] /);
    expect(await c.cmd('b2', 'THREAD REFERENCES ISO-2022-JP ALL')).toMatch(/^b2 NO \[BADCHARSET/);
    expect(await c.cmd('b3', 'SORT (COLOUR) UTF-8 ALL')).toBe('b3 BAD Unknown sort key\r\n');
    expect(await c.cmd('b4', 'SORT () UTF-8 ALL')).toMatch(/^b4 BAD /);
    expect(await c.cmd('b5', 'SORT (DATE) ALL')).toMatch(/^b5 BAD /); // the charset is not optional
    const d = await mailbox(THREE); // five BADs end a session
    expect(await d.cmd('b6', 'SORT (REVERSE) UTF-8 ALL')).toMatch(/^b6 BAD /);
    expect(await d.cmd('b7', 'THREAD X-MAGIC UTF-8 ALL')).toBe('b7 BAD Unknown thread algorithm\r\n');
    expect(await d.cmd('b8', 'SORT RETURN (SAVE) (DATE) UTF-8 ALL')).toMatch(/^b8 BAD /);
    expect(await d.cmd('u', 'UNSELECT')).toMatch(/^u OK/);
    expect(await d.cmd('b9', 'SORT (DATE) UTF-8 ALL')).toBe('b9 BAD SORT is not allowed without a selected mailbox\r\n');
  });
});

describe('RFC 5256 §3 THREAD and §4 its response', () => {
  it('ORDEREDSUBJECT groups by base subject, threads by first date; REFERENCES links by References', async () => {
    const c = await mailbox(THREE);
    expect(await c.cmd('t1', 'THREAD ORDEREDSUBJECT UTF-8 ALL')).toBe('* THREAD (2 3)(1)\r\nt1 OK THREAD completed\r\n');
    // 2 references <a@t>, which is 3: 3 is 2's parent; that thread's date is 3's (INTERNALDATE 2 Nov), before 1's (3 Nov)
    expect(await c.cmd('t2', 'THREAD REFERENCES UTF-8 ALL')).toBe('* THREAD (3 2)(1)\r\nt2 OK THREAD completed\r\n');
    expect(await c.cmd('t3', 'THREAD REFERENCES UTF-8 SUBJECT none')).toBe('* THREAD\r\nt3 OK THREAD completed\r\n');
  });

  it('writes RFC 5256 §4\'s example tree, and a dummy parent as a bare group', () => {
    const leaf = (id: number) => ({ id, children: [] });
    const tree = [leaf(2), { id: 3, children: [{ id: 6, children: [{ id: 4, children: [leaf(23)] }, { id: 44, children: [{ id: 7, children: [leaf(96)] }] }] }] }];
    expect(threadData(tree).toString()).toBe('* THREAD (2)(3 6 (4 23)(44 7 96))\r\n');
    expect(threadData([{ children: [leaf(3), leaf(5)] }]).toString()).toBe('* THREAD ((3)(5))\r\n');
  });
});

describe('RFC 5267 §3 ESORT and §4.4 PARTIAL', () => {
  it('RETURN gives one ESEARCH in sort order: MIN/MAX first and last sorted, ALL keeps the order', async () => {
    const c = await mailbox(THREE);
    expect(await c.cmd('e1', 'SORT RETURN (MIN MAX COUNT) (SUBJECT) UTF-8 ALL')).toBe('* ESEARCH (TAG "e1") MIN 2 MAX 1 COUNT 3\r\ne1 OK SORT completed\r\n');
    expect(await c.cmd('e2', 'SORT RETURN () (REVERSE ARRIVAL) UTF-8 ALL')).toBe('* ESEARCH (TAG "e2") ALL 1:3\r\ne2 OK SORT completed\r\n');
    expect(await c.cmd('e3', 'SORT RETURN (ALL) (ARRIVAL) UTF-8 ALL')).toBe('* ESEARCH (TAG "e3") ALL 3,2,1\r\ne3 OK SORT completed\r\n');
    expect(await c.cmd('e4', 'SORT RETURN (COUNT) (DATE) UTF-8 SUBJECT zzz')).toBe('* ESEARCH (TAG "e4") COUNT 0\r\ne4 OK SORT completed\r\n');
    expect(await c.cmd('e5', 'SORT RETURN (PARTIAL 2:3) (SUBJECT) UTF-8 ALL')).toBe('* ESEARCH (TAG "e5") PARTIAL (2:3 3,1)\r\ne5 OK SORT completed\r\n');
    expect(await c.cmd('e6', 'SEARCH RETURN (PARTIAL 2:9) ALL')).toBe('* ESEARCH (TAG "e6") PARTIAL (2:9 2:3)\r\ne6 OK SEARCH completed\r\n');
    expect(await c.cmd('e7', 'SEARCH RETURN (PARTIAL 5:9) ALL')).toBe('* ESEARCH (TAG "e7") PARTIAL (5:9 NIL)\r\ne7 OK SEARCH completed\r\n');
    expect(await c.cmd('e8', 'SEARCH RETURN (PARTIAL 0:9) ALL')).toMatch(/^e8 BAD /);
  });
});

describe('RFC 3501 §7.4.1: no EXPUNGE while SORT / THREAD answer with sequence numbers', () => {
  it('another session\'s expunge is reported after SORT, not during it', async () => {
    const c = await mailbox(THREE);
    const other = await RawImap.open(srv.port);
    clients.push(other);
    expect(await other.cmd('l', `LOGIN s${nextUser - 1}@example.test secret-pass`)).toMatch(/^l OK/);
    await other.cmd('s', 'SELECT INBOX');
    expect(await other.cmd('x', 'STORE 1 +FLAGS.SILENT (\\Deleted)')).toMatch(/^x OK/);
    expect(await other.cmd('y', 'EXPUNGE')).toMatch(/\* 1 EXPUNGE/);
    const out = await c.cmd('t', 'SORT (SUBJECT) UTF-8 UNDELETED');
    expect(out).not.toMatch(/EXPUNGE/);
    expect(await c.cmd('n', 'NOOP')).toMatch(/^\* 1 EXPUNGE\r\n/m);
  });
});
