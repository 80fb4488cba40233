/**
 * CONTEXT=SEARCH / CONTEXT=SORT transcripts (RFC 5267 §4) over real TCP, two sessions on one
 * memory store: RETURN (UPDATE) results follow arrivals, flag changes and expunges, whoever made
 * them (§4.1, §4.3 ADDTO / REMOVEFROM), CANCELUPDATE stops them (§4.2), NOUPDATE past the limit,
 * PARTIAL with UPDATE (§4.4), and the contexts end with the mailbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/storage/memory/store.ts';
import { MAX_CONTEXTS } from '../../src/protocol/imap/server/search-context.ts';
import { RawImap, startImap } from '../harness/imap.ts';

const USERS = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`c${i}@example.test`, 'secret-pass']));
let srv: Awaited<ReturnType<typeof startImap>>;
const clients: RawImap[] = [];
let nextUser = 0;

const msg = (subject: string): string => `From: bob@example.test\r\nTo: alice@example.test\r\nSubject: ${subject}\r\n\r\nbody\r\n`;
const append = (subject: string, flags = ''): string => `APPEND INBOX (${flags}) {${Buffer.byteLength(msg(subject))}+}\r\n${msg(subject)}`;

async function login(user: string): Promise<RawImap> {
  const c = await RawImap.open(srv.port);
  clients.push(c);
  expect(await c.cmd('l', `LOGIN ${user} secret-pass`)).toMatch(/^l OK /);
  return c;
}

/** Two sessions of a fresh account with `subjects` in INBOX (UIDs 1…), both with INBOX selected. */
async function pair(subjects: string[]): Promise<[RawImap, RawImap]> {
  const user = `c${nextUser++}@example.test`;
  const a = await login(user);
  for (const s of subjects) expect(await a.cmd('a', append(s))).toMatch(/(^|\n)a OK /);
  const b = await login(user);
  expect(await a.cmd('s', 'SELECT INBOX')).toMatch(/(^|\n)s OK /);
  expect(await b.cmd('s', 'SELECT INBOX')).toMatch(/(^|\n)s OK /);
  return [a, b];
}

/** The lines of a reply other than the tagged one. */
const untagged = (out: string): string[] => out.split('\r\n').filter((l) => l.startsWith('* ')).map(norm);
/** Which session claims \Recent first is not what these tests are about. */
const norm = (l: string): string => l.replace(/^\* \d+ RECENT$/, '* n RECENT').replace(/ \\Recent\)/, ')').replace(/\(\\Recent\)/, '()');

beforeAll(async () => {
  srv = await startImap(new MemoryStore(), USERS);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await srv.server.close();
});

describe('RFC 5267 §4 CONTEXT=SEARCH', () => {
  it('is advertised, with CONTEXT=SORT', async () => {
    const c = await login(`c${nextUser++}@example.test`);
    expect(await c.cmd('c', 'CAPABILITY')).toMatch(/^\* CAPABILITY .* ESORT CONTEXT=SEARCH CONTEXT=SORT /);
  });

  it('UID SEARCH RETURN (COUNT UPDATE): ADDTO for an arrival, REMOVEFROM for flag changes by either session and for an expunge', async () => {
    const [a, b] = await pair(['one', 'two', 'three']);
    expect(await a.cmd('t1', 'UID SEARCH RETURN (COUNT UPDATE) UNSEEN')).toBe('* ESEARCH (TAG "t1") UID COUNT 3\r\nt1 OK SEARCH completed\r\n');
    expect(await a.cmd('n0', 'NOOP')).toBe('n0 OK NOOP completed\r\n'); // nothing changed: nothing sent
    expect(await b.cmd('a', append('four'))).toMatch(/a OK/);
    expect(untagged(await a.cmd('n1', 'NOOP'))).toEqual(['* 4 EXISTS', '* n RECENT', '* ESEARCH (TAG "t1") UID ADDTO (0 4)']);
    expect(await b.cmd('f', 'STORE 2 +FLAGS (\\Seen)')).toMatch(/f OK/);
    expect(untagged(await a.cmd('n2', 'NOOP'))).toEqual(['* 2 FETCH (UID 2 FLAGS (\\Seen))', '* ESEARCH (TAG "t1") UID REMOVEFROM (0 2)']);
    // this session's own change counts too, and a message matching again is added back
    expect(untagged(await a.cmd('f', 'STORE 1 +FLAGS (\\Seen)'))).toEqual(['* 1 FETCH (FLAGS (\\Seen))', '* ESEARCH (TAG "t1") UID REMOVEFROM (0 1)']);
    expect(await b.cmd('f', 'STORE 1:2 -FLAGS.SILENT (\\Seen)')).toMatch(/f OK/);
    expect(untagged(await a.cmd('n3', 'NOOP'))).toEqual(['* 1 FETCH (UID 1 FLAGS ())', '* 2 FETCH (UID 2 FLAGS ())', '* ESEARCH (TAG "t1") UID ADDTO (0 1:2)']);
    expect(await b.cmd('x', 'STORE 3 +FLAGS.SILENT (\\Deleted)')).toMatch(/x OK/);
    expect(await b.cmd('e', 'EXPUNGE')).toMatch(/\* 3 EXPUNGE/);
    expect(untagged(await a.cmd('n4', 'NOOP'))).toEqual(['* 3 FETCH (UID 3 FLAGS (\\Deleted))', '* ESEARCH (TAG "t1") UID REMOVEFROM (0 3)', '* 3 EXPUNGE']);
  });

  it('message-number contexts answer in message numbers; an expunged message is removed just before its EXPUNGE (as Dovecot does)', async () => {
    const [a, b] = await pair(['one', 'two', 'three']);
    expect(await a.cmd('t2', 'SEARCH RETURN (ALL UPDATE) UNDELETED')).toBe('* ESEARCH (TAG "t2") ALL 1:3\r\nt2 OK SEARCH completed\r\n');
    expect(await b.cmd('x', 'STORE 1 +FLAGS.SILENT (\\Deleted)')).toMatch(/x OK/);
    expect(await b.cmd('e', 'EXPUNGE')).toMatch(/x? ?\* 1 EXPUNGE/);
    expect(await b.cmd('a', append('four'))).toMatch(/a OK/);
    // 1 leaves while its number is valid; then old 2:3 are 1:2 and the new message is 3
    expect(untagged(await a.cmd('n', 'NOOP'))).toEqual(['* ESEARCH (TAG "t2") REMOVEFROM (0 1)', '* 1 EXPUNGE', '* 3 EXISTS', '* n RECENT', '* ESEARCH (TAG "t2") ADDTO (0 3)']);
    expect(untagged(await a.cmd('f', 'STORE 2 +FLAGS (\\Deleted)'))).toEqual(['* 2 FETCH (FLAGS (\\Deleted))', '* ESEARCH (TAG "t2") REMOVEFROM (0 2)']);
  });

  it('an expunge held back during FETCH / SEARCH is not reported as removed before its EXPUNGE', async () => {
    const [a, b] = await pair(['one', 'two']);
    expect(await a.cmd('t', 'UID SEARCH RETURN (UPDATE) ALL')).toBe('* ESEARCH (TAG "t") UID\r\nt OK SEARCH completed\r\n');
    expect(await b.cmd('x', 'STORE 2 +FLAGS.SILENT (\\Deleted)')).toMatch(/x OK/);
    expect(await b.cmd('e', 'EXPUNGE')).toMatch(/\* 2 EXPUNGE/);
    expect(await a.cmd('f', 'FETCH 1 UID')).not.toMatch(/ESEARCH|EXPUNGE/);
    expect(untagged(await a.cmd('n', 'NOOP'))).toEqual(['* ESEARCH (TAG "t") UID REMOVEFROM (0 2)', '* 2 EXPUNGE']);
  });

  it('a delivery wakes IDLE with EXISTS then ADDTO', async () => {
    const user = `c${nextUser}@example.test`;
    const [a] = await pair(['one']);
    expect(await a.cmd('t', 'UID SEARCH RETURN (MIN UPDATE) SUBJECT news')).toBe('* ESEARCH (TAG "t") UID\r\nt OK SEARCH completed\r\n');
    a.send('i IDLE\r\n');
    await a.read((x) => x.includes('+ idling\r\n'));
    const { store, release } = await srv.hooks.registry.acquire(user);
    await store.appendMessage('INBOX', Buffer.from(msg('news')), []);
    await store.appendMessage('INBOX', Buffer.from(msg('other')), []);
    release();
    srv.hooks.delivered(user);
    expect(untagged(await a.read((x) => x.includes('ADDTO')))).toEqual(['* 3 EXISTS', '* n RECENT', '* ESEARCH (TAG "t") UID ADDTO (0 2)']);
    a.send('DONE\r\n');
    expect(await a.until('i')).toBe('i OK IDLE terminated\r\n');
  });

  it('CANCELUPDATE stops the updates; an unknown tag is NO (Dovecot); UNSELECT ends every context', async () => {
    const [a, b] = await pair(['one']);
    expect(await a.cmd('t', 'UID SEARCH RETURN (UPDATE) UNSEEN')).toMatch(/t OK/);
    expect(await a.cmd('u', 'UID SEARCH RETURN (UPDATE) SEEN')).toMatch(/u OK/);
    expect(await a.cmd('c1', 'CANCELUPDATE "t" "zz"')).toMatch(/^c1 NO /);
    expect(await a.cmd('c2', 'CANCELUPDATE "t"')).toBe('c2 OK CANCELUPDATE completed\r\n');
    expect(await b.cmd('f', 'STORE 1 +FLAGS.SILENT (\\Seen)')).toMatch(/f OK/);
    expect(untagged(await a.cmd('n', 'NOOP'))).toEqual(['* 1 FETCH (UID 1 FLAGS (\\Seen))', '* ESEARCH (TAG "u") UID ADDTO (0 1)']);
    expect(await a.cmd('x', 'UNSELECT')).toMatch(/x OK/);
    expect(await a.cmd('s', 'SELECT INBOX')).toMatch(/s OK/);
    expect(await a.cmd('c3', 'CANCELUPDATE "u"')).toMatch(/^c3 NO /);
    expect(await b.cmd('f', 'STORE 1 -FLAGS.SILENT (\\Seen)')).toMatch(/f OK/);
    expect(untagged(await a.cmd('n', 'NOOP'))).toEqual(['* 1 FETCH (UID 1 FLAGS ())']);
  });

  it(`past ${MAX_CONTEXTS} contexts the result comes with * NO [NOUPDATE "tag"]`, async () => {
    const [a] = await pair(['one']);
    for (let i = 0; i < MAX_CONTEXTS; i++) expect(await a.cmd(`k${i}`, 'UID SEARCH RETURN (UPDATE) ALL')).toMatch(new RegExp(`^\\* ESEARCH \\(TAG "k${i}"\\) UID ALL 1|^\\* ESEARCH`));
    expect(await a.cmd('over', 'UID SEARCH RETURN (COUNT UPDATE) ALL')).toMatch(/^\* ESEARCH \(TAG "over"\) UID COUNT 1\r\n\* NO \[NOUPDATE "over"\] .*\r\nover OK /);
    expect(await a.cmd('k0', 'UID SEARCH RETURN (UPDATE) ALL')).not.toMatch(/NOUPDATE/); // a tag in use is replaced
  });
});

describe('RFC 5267 §4 CONTEXT=SORT', () => {
  it('ADDTO and REMOVEFROM give positions in sort order', async () => {
    const [a, b] = await pair(['d', 'b', 'f']); // by subject: 2(b) 1(d) 3(f)
    expect(await a.cmd('s1', 'UID SORT RETURN (ALL UPDATE) (SUBJECT) UTF-8 UNSEEN')).toBe('* ESEARCH (TAG "s1") UID ALL 2,1,3\r\ns1 OK SORT completed\r\n');
    expect(await b.cmd('a', append('a'))).toMatch(/a OK/); // uid 4, first
    expect(await b.cmd('a', append('e'))).toMatch(/a OK/); // uid 5, between d and f
    expect(untagged(await a.cmd('n1', 'NOOP'))).toEqual(['* 5 EXISTS', '* n RECENT', '* ESEARCH (TAG "s1") UID ADDTO (1 4 4 5)']);
    // result 4 2 1 5 3: remove 2 (position 2) and 1 (position 3), then 3 (position 5), highest first
    expect(await b.cmd('f', 'STORE 1:3 +FLAGS.SILENT (\\Seen)')).toMatch(/f OK/);
    expect(untagged(await a.cmd('n2', 'NOOP')).at(-1)).toBe('* ESEARCH (TAG "s1") UID REMOVEFROM (5 3 2 2,1)');
    expect(await a.cmd('s2', 'UID SORT RETURN (ALL) (SUBJECT) UTF-8 UNSEEN')).toBe('* ESEARCH (TAG "s2") UID ALL 4:5\r\ns2 OK SORT completed\r\n');
  });

  it('PARTIAL with UPDATE: the first answer is the window, updates cover the whole result', async () => {
    const [a, b] = await pair(['c', 'a', 'b']);
    expect(await a.cmd('p', 'UID SORT RETURN (PARTIAL 1:2 UPDATE) (REVERSE SUBJECT) UTF-8 ALL')).toBe('* ESEARCH (TAG "p") UID PARTIAL (1:2 1,3)\r\np OK SORT completed\r\n');
    expect(await b.cmd('a', append('z'))).toMatch(/a OK/);
    expect(untagged(await a.cmd('n', 'NOOP')).at(-1)).toBe('* ESEARCH (TAG "p") UID ADDTO (1 4)');
  });
});

describe('RFC 5267 §4 expunges in sorted contexts', () => {
  it('REMOVEFROM gives the expunged messages\' sort positions before their EXPUNGE', async () => {
    const [a, b] = await pair(['d', 'b', 'f', 'a']); // by subject: 4(a) 2(b) 1(d) 3(f)
    expect(await a.cmd('s', 'SORT RETURN (ALL UPDATE) (SUBJECT) UTF-8 ALL')).toBe('* ESEARCH (TAG "s") ALL 4,2,1,3\r\ns OK SORT completed\r\n');
    expect(await b.cmd('x', 'STORE 2,4 +FLAGS.SILENT (\\Deleted)')).toMatch(/x OK/);
    expect(await b.cmd('e', 'EXPUNGE')).toMatch(/e OK/);
    expect(untagged(await a.cmd('n', 'NOOP')).filter((l) => !l.includes('FETCH'))).toEqual(['* ESEARCH (TAG "s") REMOVEFROM (1 4,2)', '* 4 EXPUNGE', '* 2 EXPUNGE']);
  });
});
