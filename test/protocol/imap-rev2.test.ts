/**
 * IMAP4rev2 (RFC 9051) transcripts over real TCP, per change of Appendix E that ENABLE IMAP4rev2
 * makes here (src/protocol/imap/server/commands/rev2.ts): each one runs a session that enabled rev2
 * and one that did not against the same server and mailbox, so what differs is the ENABLE alone.
 * Dovecot 2.3 has no rev2 to compare with: the RFC is the reference.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/storage/memory/store.ts';
import { RawImap, startImap } from '../harness/imap.ts';

const LIMIT = 4096;
let srv: Awaited<ReturnType<typeof startImap>>;
const clients: RawImap[] = [];
const msg = (subject: string): string => `From: bob@example.test\r\nTo: alice@example.test\r\nSubject: ${subject}\r\nDate: Tue, 3 Nov 2026 10:00:00 +0000\r\n\r\nbody\r\n`;

async function session(user: string, rev2: boolean): Promise<RawImap> {
  const c = await RawImap.open(srv.port);
  clients.push(c);
  expect(await c.cmd('l', `LOGIN ${user} pw`)).toMatch(/^l OK \[CAPABILITY IMAP4rev1 IMAP4rev2 /);
  if (rev2) expect(await c.cmd('e', 'ENABLE IMAP4rev2')).toBe('* ENABLED IMAP4rev2\r\ne OK ENABLE completed\r\n');
  return c;
}
async function append(c: RawImap, box: string, m: string, flags = ''): Promise<void> {
  expect(await c.cmd('ap', `APPEND ${box} ${flags}{${m.length}+}\r\n${m}`)).toMatch(/^ap OK \[APPENDUID /);
}

beforeAll(async () => {
  srv = await startImap(new MemoryStore(), { 'a@example.test': 'pw', 'b@example.test': 'pw', 'c@example.test': 'pw', 'd@example.test': 'pw', 'e@example.test': 'pw', 'f@example.test': 'pw', 'g@example.test': 'pw' }, { maxLiteralSize: LIMIT });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await srv.server.close();
});

describe('IMAP4rev2 (RFC 9051) beside IMAP4rev1', () => {
  it('advertises IMAP4rev2 and APPENDLIMIT=<the literal limit>; ENABLE IMAP4rev2 turns on rev2 only, and only before a SELECT', async () => {
    const c = await RawImap.open(srv.port);
    clients.push(c);
    const caps = await c.cmd('c1', 'CAPABILITY');
    expect(caps).toMatch(/^\* CAPABILITY IMAP4rev1 IMAP4rev2 LITERAL\+ /);
    expect(caps).toContain(` APPENDLIMIT=${LIMIT} `);
    // everything rev2 folds in (RFC 9051 §1 / Appendix E) is advertised for rev1 clients too
    for (const cap of ['NAMESPACE', 'UNSELECT', 'UIDPLUS', 'ESEARCH', 'ENABLE', 'IDLE', 'SASL-IR', 'LIST-EXTENDED', 'LIST-STATUS', 'MOVE', 'BINARY', 'SPECIAL-USE']) expect(caps.split(/[ \r]/)).toContain(cap);
    expect(caps).not.toContain('LITERAL-'); // LITERAL+ is its superset (RFC 7888)
    expect(await c.cmd('c2', 'LOGIN a@example.test pw')).toMatch(/^c2 OK \[CAPABILITY IMAP4rev1 IMAP4rev2 [^\]]* APPENDLIMIT=4096[ \]]/);
    // rev2 implies no CONDSTORE: SELECT reports no HIGHESTMODSEQ
    expect(await c.cmd('c3', 'ENABLE IMAP4rev2 X-UNKNOWN')).toBe('* ENABLED IMAP4rev2\r\nc3 OK ENABLE completed\r\n');
    expect(await c.cmd('c4', 'ENABLE IMAP4rev2')).toBe('* ENABLED\r\nc4 OK ENABLE completed\r\n'); // already on
    expect(await c.cmd('c5', 'SELECT INBOX')).not.toContain('HIGHESTMODSEQ');

    const d = await session('a@example.test', false);
    await d.cmd('d1', 'SELECT INBOX');
    expect(await d.cmd('d2', 'ENABLE IMAP4rev2')).toBe('* ENABLED\r\nd2 OK ENABLE completed\r\n'); // selected: not enabled
    expect(await d.cmd('d3', 'SEARCH ALL')).toBe('* SEARCH\r\nd3 OK SEARCH completed\r\n'); // still rev1
  });

  it('E.6/E.7 \\Recent: a rev2 session gets no RECENT and no \\Recent, and takes none from a rev1 session', async () => {
    const rev2 = await session('b@example.test', true);
    const rev1 = await session('b@example.test', false);
    const other = await session('b@example.test', false);
    await append(other, 'INBOX', msg('one'));
    await append(other, 'INBOX', msg('two'));

    const sel2 = await rev2.cmd('r1', 'SELECT INBOX'); // first to select: rev1 would claim both
    expect(sel2).toContain('* 2 EXISTS\r\n');
    expect(sel2).not.toContain('RECENT');
    expect(await rev2.cmd('r2', 'FETCH 1:2 FLAGS')).toBe('* 1 FETCH (FLAGS ())\r\n* 2 FETCH (FLAGS ())\r\nr2 OK FETCH completed\r\n');

    const sel1 = await rev1.cmd('r3', 'SELECT INBOX');
    expect(sel1).toContain('* 2 RECENT\r\n'); // still recent: the rev2 session claimed none
    expect(await rev1.cmd('r4', 'FETCH 1:2 FLAGS')).toBe('* 1 FETCH (FLAGS (\\Recent))\r\n* 2 FETCH (FLAGS (\\Recent))\r\nr4 OK FETCH completed\r\n');

    await append(other, 'INBOX', msg('three'));
    expect(await rev2.cmd('r5', 'NOOP')).toBe('* 3 EXISTS\r\nr5 OK NOOP completed\r\n');
    expect(await rev1.cmd('r6', 'NOOP')).toBe('* 3 EXISTS\r\n* 3 RECENT\r\nr6 OK NOOP completed\r\n');
    // STORE's untagged FETCH carries no \Recent for rev2 either
    expect(await rev2.cmd('r7', 'STORE 3 +FLAGS (\\Flagged)')).toBe('* 3 FETCH (FLAGS (\\Flagged))\r\nr7 OK STORE completed\r\n');
    expect(await rev1.cmd('r8', 'NOOP')).toBe('* 3 FETCH (UID 3 FLAGS (\\Flagged \\Recent))\r\nr8 OK NOOP completed\r\n');
  });

  it('E.3 SEARCH: a rev2 session gets `* ESEARCH (TAG …)` as for RETURN (ALL); a rev1 session `* SEARCH`', async () => {
    const rev2 = await session('c@example.test', true);
    const rev1 = await session('c@example.test', false);
    for (const s of ['alpha', 'beta', 'alpha again']) await append(rev1, 'INBOX', msg(s));
    await rev2.cmd('s0', 'SELECT INBOX');
    await rev1.cmd('s0', 'SELECT INBOX');

    expect(await rev2.cmd('s1', 'SEARCH SUBJECT alpha')).toBe('* ESEARCH (TAG "s1") ALL 1,3\r\ns1 OK SEARCH completed\r\n');
    expect(await rev1.cmd('s1', 'SEARCH SUBJECT alpha')).toBe('* SEARCH 1 3\r\ns1 OK SEARCH completed\r\n');
    expect(await rev2.cmd('s2', 'UID SEARCH ALL')).toBe('* ESEARCH (TAG "s2") UID ALL 1:3\r\ns2 OK SEARCH completed\r\n');
    expect(await rev1.cmd('s2', 'UID SEARCH ALL')).toBe('* SEARCH 1 2 3\r\ns2 OK SEARCH completed\r\n');
    // nothing matched: ALL is left out (RFC 9051 §7.3.4, RFC 4731 §3.1)
    expect(await rev2.cmd('s3', 'SEARCH SUBJECT gamma')).toBe('* ESEARCH (TAG "s3")\r\ns3 OK SEARCH completed\r\n');
    expect(await rev1.cmd('s3', 'SEARCH SUBJECT gamma')).toBe('* SEARCH\r\ns3 OK SEARCH completed\r\n');
    // an explicit RETURN is honoured as before, in both
    expect(await rev2.cmd('s4', 'SEARCH RETURN (COUNT MIN) ALL')).toBe('* ESEARCH (TAG "s4") MIN 1 COUNT 3\r\ns4 OK SEARCH completed\r\n');
    expect(await rev1.cmd('s4', 'SEARCH RETURN (COUNT MIN) ALL')).toBe('* ESEARCH (TAG "s4") MIN 1 COUNT 3\r\ns4 OK SEARCH completed\r\n');
  });

  it('E.8 SELECT / EXAMINE: rev2 sends the mailbox\'s LIST response and no [UNSEEN]; both get [CLOSED] when one mailbox replaces another', async () => {
    const rev2 = await session('d@example.test', true);
    const rev1 = await session('d@example.test', false);
    await append(rev1, 'INBOX', msg('read'), '(\\Seen) ');
    await append(rev1, 'INBOX', msg('unread'));
    expect(await rev1.cmd('m1', 'CREATE Sent')).toBe('m1 OK CREATE completed\r\n');
    expect(await rev1.cmd('m2', 'CREATE Sent/2026')).toBe('m2 OK CREATE completed\r\n');

    const sel2 = await rev2.cmd('x1', 'SELECT INBOX');
    expect(sel2).toContain('* LIST (\\HasNoChildren) "/" INBOX\r\n');
    expect(sel2).not.toContain('[UNSEEN');
    expect(sel2).toMatch(/\* OK \[UIDNEXT 3\][^\r]*\r\n\* LIST [^\r]*\r\nx1 OK \[READ-WRITE\] SELECT completed\r\n$/);
    const sel1 = await rev1.cmd('x1', 'SELECT INBOX');
    expect(sel1).toContain('* OK [UNSEEN 2]');
    expect(sel1).not.toContain('* LIST');

    const ex2 = await rev2.cmd('x2', 'EXAMINE Sent');
    expect(ex2).toMatch(/^\* OK \[CLOSED\]/);
    expect(ex2).toContain('* LIST (\\HasChildren \\Sent) "/" Sent\r\n'); // attributes as LIST gives them
    expect(ex2).toMatch(/x2 OK \[READ-ONLY\] EXAMINE completed\r\n$/);
    const ex1 = await rev1.cmd('x2', 'EXAMINE Sent');
    expect(ex1).toMatch(/^\* OK \[CLOSED\]/);
    expect(ex1).not.toContain('* LIST');
  });

  it('E.1 mailbox names: a rev2 session sends and reads UTF-8, a rev1 session modified UTF-7, for the same mailboxes', async () => {
    const rev2 = await session('g@example.test', true);
    const rev1 = await session('g@example.test', false);
    const u = (t: string): string => Buffer.from(t, 'utf8').toString('latin1'); // the transcript reads latin1
    rev2.send('n1 CREATE "Entwürfe"\r\n');
    expect(await rev2.until('n1')).toBe('n1 OK CREATE completed\r\n');
    expect(await rev2.cmd('n2', 'CREATE "R&D"')).toBe('n2 OK CREATE completed\r\n'); // `&` is just a character in rev2
    expect(await rev1.cmd('n3', 'LIST "" *')).toBe('* LIST (\\HasNoChildren) "/" INBOX\r\n* LIST (\\HasNoChildren) "/" Entw&APw-rfe\r\n* LIST (\\HasNoChildren) "/" R&-D\r\nn3 OK LIST completed\r\n');
    expect(await rev2.cmd('n4', 'LIST "" *')).toBe(u('* LIST (\\HasNoChildren) "/" INBOX\r\n* LIST (\\HasNoChildren) "/" "Entwürfe"\r\n* LIST (\\HasNoChildren) "/" R&D\r\nn4 OK LIST completed\r\n'));
    await append(rev1, 'Entw&APw-rfe', msg('draft'));
    rev2.send('n5 STATUS "Entwürfe" (MESSAGES)\r\n');
    expect(await rev2.until('n5')).toBe(u('* STATUS "Entwürfe" (MESSAGES 1)\r\nn5 OK STATUS completed\r\n'));
    rev2.send('n6 SELECT "Entwürfe"\r\n');
    expect(await rev2.until('n6')).toContain(u('* LIST (\\HasNoChildren) "/" "Entwürfe"\r\n'));
    expect(await rev2.cmd('n7', 'UID MOVE 1 R&D')).toMatch(/^\* OK \[COPYUID /);
    expect(await rev1.cmd('n8', 'STATUS R&-D (MESSAGES)')).toBe('* STATUS R&-D (MESSAGES 1)\r\nn8 OK STATUS completed\r\n');
    // modified UTF-7 sent by a rev2 client is a plain name, not decoded
    expect(await rev2.cmd('n9', 'STATUS Entw&APw-rfe (MESSAGES)')).toMatch(/^n9 NO \[NONEXISTENT\]/);
  });

  it('APPENDLIMIT (RFC 7889): a message of exactly the advertised size is stored, one octet more gets NO [TOOBIG]; STATUS APPENDLIMIT says the same', async () => {
    const c = await session('a@example.test', true);
    const head = 'Subject: big\r\n\r\n';
    const fit = head + 'x'.repeat(LIMIT - head.length);
    expect(fit.length).toBe(LIMIT);
    c.send(`t1 APPEND INBOX {${fit.length}}\r\n`);
    expect(await c.read((b) => b.endsWith('\r\n'))).toBe('+ go ahead\r\n');
    c.send(`${fit}\r\n`);
    expect(await c.until('t1')).toMatch(/^t1 OK \[APPENDUID \d+ \d+\] APPEND completed\r\n$/);
    expect(await c.cmd('t2', `APPEND INBOX {${LIMIT + 1}}`)).toMatch(/^t2 NO \[TOOBIG\] /);
    expect(await c.cmd('t3', 'NOOP')).toBe('t3 OK NOOP completed\r\n'); // the session goes on
    // STATUS APPENDLIMIT (RFC 7889 §3) gives the same limit, in STATUS and in LIST RETURN (STATUS)
    expect(await c.cmd('t4', 'STATUS INBOX (APPENDLIMIT UIDNEXT)')).toMatch(new RegExp(`^\\* STATUS INBOX \\(APPENDLIMIT ${LIMIT} UIDNEXT \\d+\\)\\r\\nt4 OK STATUS completed\\r\\n$`));
    expect(await c.cmd('t5', 'LIST "" INBOX RETURN (STATUS (APPENDLIMIT))')).toBe(`* LIST (\\HasNoChildren) "/" INBOX\r\n* STATUS INBOX (APPENDLIMIT ${LIMIT})\r\nt5 OK LIST completed\r\n`);
  });

  it('extensions rev2 makes mandatory answer a rev2 session as a rev1 one: STATUS SIZE/DELETED, NAMESPACE, MOVE + UIDPLUS, UNSELECT, LIST \\NonExistent, LITERAL+', async () => {
    const m = msg('lit');
    const script: Array<[string, RegExp]> = [
      [`APPEND INBOX {${m.length}+}\r\n${m}`, /^t OK \[APPENDUID \d+ 1\] APPEND completed\r\n$/], // LITERAL+ (rev2: LITERAL-)
      ['CREATE Archive', /^t OK CREATE completed\r\n$/],
      ['SUBSCRIBE Gone', /^t OK SUBSCRIBE completed\r\n$/],
      ['NAMESPACE', /^\* NAMESPACE \(\("" "\/"\)\) NIL NIL\r\nt OK NAMESPACE completed\r\n$/],
      ['STATUS INBOX (MESSAGES SIZE DELETED)', new RegExp(`^\\* STATUS INBOX \\(MESSAGES 1 SIZE ${m.length} DELETED 0\\)\\r\\nt OK STATUS completed\\r\\n$`)],
      ['LIST (SUBSCRIBED) "" Gone', /^\* LIST \(\\NonExistent \\Subscribed\) "\/" Gone\r\nt OK LIST completed\r\n$/],
      ['SELECT INBOX', /t OK \[READ-WRITE\] SELECT completed\r\n$/],
      ['UID MOVE 1 Archive', /^\* OK \[COPYUID \d+ 1 1\] [^\r]*\r\n\* 1 EXPUNGE\r\nt OK /],
      ['UNSELECT', /^t OK UNSELECT completed\r\n$/],
      ['STATUS Archive (MESSAGES)', /^\* STATUS Archive \(MESSAGES 1\)\r\nt OK STATUS completed\r\n$/],
    ];
    const rev1 = await session('e@example.test', false);
    const rev2 = await session('f@example.test', true);
    for (const [who, c] of [['rev1', rev1], ['rev2', rev2]] as const) {
      for (const [command, want] of script) expect(await c.cmd('t', command), `${who}: ${command}`).toMatch(want);
    }
  });
});
