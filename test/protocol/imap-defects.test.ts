/**
 * Transcripts for conformance defects an independent IMAP conformance client found, each compared
 * with Debian's Dovecot 2.3: STATUS RECENT after another session claimed \Recent (RFC 3501
 * §2.3.2), part numbers inside message/rfc822 (§6.4.5), names that are not modified UTF-7
 * (§5.1.3), stale flags after two sessions STORE (§7.4.1), SEARCH FROM through comments
 * (§6.4.4), RECURSIVEMATCH CHILDINFO (RFC 5258 §3.5), FLAGS / PERMANENTFLAGS for new keywords
 * (§7.2.6, §7.1), the greeting's capabilities (§7.1) and POP3's `[AUTH]` (RFC 3206 §6).
 * Real TCP against the memory store, a fresh account per test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/storage/memory/store.ts';
import { RawImap, startImap } from '../harness/imap.ts';
import { Pop3Client, startPop3 } from '../harness/pop3.ts';

const USERS = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`d${i}@example.test`, 'secret-pass']));
let srv: Awaited<ReturnType<typeof startImap>>;
const clients: RawImap[] = [];
let nextUser = 0;

async function session(user: string): Promise<RawImap> {
  const c = await RawImap.open(srv.port);
  clients.push(c);
  expect(await c.cmd('l', `LOGIN ${user} secret-pass`)).toMatch(/^l OK /);
  return c;
}
/** A session of a fresh account, or two of one. */
const one = (): Promise<RawImap> => session(`d${nextUser++}@example.test`);
async function two(): Promise<[RawImap, RawImap]> {
  const user = `d${nextUser++}@example.test`;
  return [await session(user), await session(user)];
}
async function append(c: RawImap, m: string, mailbox = 'INBOX', flags = ''): Promise<string> {
  const reply = await c.cmd('ap', `APPEND ${mailbox} ${flags}{${Buffer.byteLength(m)}+}\r\n${m}`);
  expect(reply).toMatch(/(^|\r\n)ap OK /);
  return reply;
}
const lines = (...l: string[]): string => l.map((x) => `${x}\r\n`).join('');
const simple = (subject: string): string => `From: a@example.test\r\nSubject: ${subject}\r\n\r\nbody\r\n`;

beforeAll(async () => {
  srv = await startImap(new MemoryStore(), USERS);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await srv.server.close();
});

describe('STATUS RECENT (RFC 3501 §2.3.2)', () => {
  it('does not count messages another read-write session already claimed as \\Recent', async () => {
    const [a, b] = await two();
    await append(a, simple('one'));
    await append(a, simple('two'));
    expect(await b.cmd('b1', 'STATUS INBOX (MESSAGES RECENT)')).toBe(lines('* STATUS INBOX (MESSAGES 2 RECENT 2)', 'b1 OK STATUS completed'));
    expect(await a.cmd('a1', 'SELECT INBOX')).toContain('* 2 RECENT\r\n');
    await a.cmd('a2', 'CLOSE');
    expect(await b.cmd('b2', 'STATUS INBOX (MESSAGES RECENT)')).toBe(lines('* STATUS INBOX (MESSAGES 2 RECENT 0)', 'b2 OK STATUS completed'));
    // a new one is recent again until somebody selects it; EXAMINE claims nothing
    await append(a, simple('three'));
    expect(await b.cmd('b3', 'EXAMINE INBOX')).toContain('* 1 RECENT\r\n');
    expect(await a.cmd('a3', 'STATUS INBOX (RECENT)')).toBe(lines('* STATUS INBOX (RECENT 1)', 'a3 OK STATUS completed'));
  });
});

describe('part numbers inside message/rfc822 (RFC 3501 §6.4.5)', () => {
  const inner = 'From: in@example.test\r\nSubject: inner\r\nContent-Type: multipart/alternative; boundary=in\r\n\r\n--in\r\nContent-Type: text/plain\r\n\r\nplain part\r\n--in\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--in--\r\n';
  it('a top-level message/rfc822: 1 is the embedded message, 1.1 and 1.2 its parts', async () => {
    const c = await one();
    await append(c, `From: out@example.test\r\nSubject: fwd\r\nContent-Type: message/rfc822\r\n\r\n${inner}`);
    await c.cmd('s', 'SELECT INBOX');
    expect(await c.cmd('f1', 'FETCH 1 BODY.PEEK[1.1]')).toBe(lines('* 1 FETCH (BODY[1.1] {10}', 'plain part)', 'f1 OK FETCH completed'));
    expect(await c.cmd('f2', 'FETCH 1 (BODY.PEEK[1.2] BODY.PEEK[1.2.MIME])')).toBe(
      lines('* 1 FETCH (BODY[1.2] {11}', '<p>html</p> BODY[1.2.MIME] {27}', 'Content-Type: text/html', '', ')', 'f2 OK FETCH completed'),
    );
    expect(await c.cmd('f3', 'FETCH 1 BODY.PEEK[1.HEADER.FIELDS (SUBJECT)]')).toBe(lines('* 1 FETCH (BODY[1.HEADER.FIELDS (SUBJECT)] {18}', 'Subject: inner', '', ')', 'f3 OK FETCH completed'));
    expect(await c.cmd('f4', 'FETCH 1 BODY.PEEK[1.3]')).toBe(lines('* 1 FETCH (BODY[1.3] NIL)', 'f4 OK FETCH completed'));
  });

  it('a message/rfc822 part 2 of a multipart: 2.1 and 2.2 are its message\'s parts (the RFC\'s 4.2.1)', async () => {
    const c = await one();
    await append(c, `From: out@example.test\r\nContent-Type: multipart/mixed; boundary=out\r\n\r\n--out\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--out\r\nContent-Type: message/rfc822\r\n\r\n${inner}--out--\r\n`);
    await c.cmd('s', 'SELECT INBOX');
    expect(await c.cmd('f1', 'FETCH 1 (BODY.PEEK[2.1] BODY.PEEK[2.2])')).toBe(lines('* 1 FETCH (BODY[2.1] {10}', 'plain part BODY[2.2] {11}', '<p>html</p>)', 'f1 OK FETCH completed'));
    expect(await c.cmd('f2', 'FETCH 1 BODY.PEEK[1.1]')).toBe(lines('* 1 FETCH (BODY[1.1] NIL)', 'f2 OK FETCH completed'));
  });
});

describe('names that are not modified UTF-7 (RFC 3501 §5.1.3)', () => {
  it('SELECT, CREATE, STATUS, COPY: NO; LIST and LSUB: OK with no match, as Dovecot; a malformed command stays BAD', async () => {
    const c = await one();
    expect(await c.cmd('m1', 'SELECT "a&Jjo"')).toBe('m1 NO mailbox name is not valid modified UTF-7\r\n');
    expect(await c.cmd('m2', 'CREATE &AGE-')).toBe('m2 NO mailbox name is not valid modified UTF-7\r\n');
    expect(await c.cmd('m3', 'STATUS "a&Jjo" (MESSAGES)')).toBe('m3 NO mailbox name is not valid modified UTF-7\r\n');
    expect(await c.cmd('m4', 'LIST "" "a&Jjo"')).toBe('m4 OK LIST completed\r\n');
    expect(await c.cmd('m5', 'LIST "" (INBOX &AGE-*)')).toBe('m5 OK LIST completed\r\n');
    expect(await c.cmd('m6', 'LSUB "" "&AGE-*"')).toBe('m6 OK LSUB completed\r\n');
    expect(await c.cmd('m7', 'SELECT "a&Jjo" junk')).toMatch(/^m7 BAD /);
    await c.cmd('s', 'SELECT INBOX');
    expect(await c.cmd('m8', 'UID COPY 1 &AGE-')).toBe('m8 NO mailbox name is not valid modified UTF-7\r\n');
    expect(await c.cmd('m9', 'NOOP')).toBe('m9 OK NOOP completed\r\n'); // not counted as bad commands
  });

  it('before login such a command is still refused for its state', async () => {
    const c = await RawImap.open(srv.port);
    clients.push(c);
    expect(await c.cmd('m1', 'SELECT &AGE-')).toBe('m1 BAD SELECT is not allowed before login\r\n');
  });
});

describe('flags seen by two sessions (RFC 3501 §7.4.1)', () => {
  it('a STORE answer is not followed by an older change of another session, and FETCH agrees', async () => {
    const [a, b] = await two();
    await append(a, simple('one'), 'INBOX', '(\\Answered) ');
    await a.cmd('a1', 'SELECT INBOX');
    await b.cmd('b1', 'SELECT INBOX');
    expect(await a.cmd('a2', 'STORE 1 +FLAGS (\\Seen)')).toBe(lines('* 1 FETCH (FLAGS (\\Answered \\Seen \\Recent))', 'a2 OK STORE completed'));
    expect(await b.cmd('b2', 'STORE 1 -FLAGS (\\Seen)')).toBe(lines('* 1 FETCH (FLAGS (\\Answered))', 'b2 OK STORE completed'));
    expect(await b.cmd('b3', 'FETCH 1 FLAGS')).toBe(lines('* 1 FETCH (FLAGS (\\Answered))', 'b3 OK FETCH completed'));
    expect(await a.cmd('a3', 'NOOP')).toBe(lines('* 1 FETCH (UID 1 FLAGS (\\Answered \\Recent))', 'a3 OK NOOP completed'));
  });
});

describe('SEARCH FROM (RFC 3501 §6.4.4)', () => {
  it('finds an address written with comments and folding, as ENVELOPE reads it', async () => {
    const c = await one();
    await append(c, 'From: <user-from (comment)@ (comment) domain.org>\r\nTo: Someone (x) <someone@ example.org>\r\nSubject: s\r\n\r\nbody\r\n');
    await append(c, simple('other'));
    await c.cmd('s', 'SELECT INBOX');
    expect(await c.cmd('f1', 'FETCH 1 ENVELOPE')).toContain(' NIL "user-from" "domain.org"))');
    expect(await c.cmd('q1', 'SEARCH FROM user-from@domain.org')).toBe(lines('* SEARCH 1', 'q1 OK SEARCH completed'));
    expect(await c.cmd('q2', 'SEARCH TO someone@example.org')).toBe(lines('* SEARCH 1', 'q2 OK SEARCH completed'));
    expect(await c.cmd('q3', 'SEARCH FROM "comment"')).toBe(lines('* SEARCH 1', 'q3 OK SEARCH completed'));
    expect(await c.cmd('q4', 'SEARCH FROM nobody@domain.org')).toBe(lines('* SEARCH', 'q4 OK SEARCH completed'));
  });
});

describe('RECURSIVEMATCH CHILDINFO (RFC 5258 §3.5)', () => {
  it('a parent is not listed for a subscribed child that matched a pattern itself', async () => {
    const c = await one();
    for (const cmd of ['CREATE a/b/c', 'SUBSCRIBE a/b/c']) await c.cmd('p', cmd);
    expect(await c.cmd('r1', 'LIST (SUBSCRIBED RECURSIVEMATCH) "" (a/b a/b/c)')).toBe(lines('* LIST (\\HasNoChildren \\Subscribed) "/" a/b/c', 'r1 OK LIST completed'));
    expect(await c.cmd('r2', 'LIST (SUBSCRIBED RECURSIVEMATCH) "" (a/b)')).toBe(lines('* LIST (\\HasChildren) "/" a/b ("CHILDINFO" ("SUBSCRIBED"))', 'r2 OK LIST completed'));
  });
});

describe('FLAGS and PERMANENTFLAGS follow new keywords (RFC 3501 §7.2.6)', () => {
  const flags = (kw: string): string =>
    lines(`* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft${kw})`, `* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft${kw} \\*)] flags allowed`);
  it('by this session\'s STORE (also .SILENT) and APPEND, and by another session\'s APPEND and STORE', async () => {
    const [a, b] = await two();
    await append(a, simple('one'));
    expect(await a.cmd('a1', 'SELECT INBOX')).toContain('* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n');
    await b.cmd('b1', 'SELECT INBOX');
    expect(await a.cmd('a2', 'STORE 1 +FLAGS (kw1)')).toBe(`${flags(' kw1')}${lines('* 1 FETCH (FLAGS (kw1 \\Recent))', 'a2 OK STORE completed')}`);
    expect(await a.cmd('a3', 'STORE 1 +FLAGS.SILENT (kw2)')).toBe(`${flags(' kw1 kw2')}a3 OK STORE completed\r\n`);
    expect(await a.cmd('a4', 'STORE 1 -FLAGS (kw1 kw2)')).toBe(lines('* 1 FETCH (FLAGS (\\Recent))', 'a4 OK STORE completed')); // once listed, kept
    const appended = await append(a, simple('two'), 'INBOX', '(kw3) ');
    expect(appended).toMatch(new RegExp(`^${escape(flags(' kw1 kw2 kw3'))}\\* 2 EXISTS\r\n\\* 2 RECENT\r\nap OK `));
    // the other session rereads (a new message): kw1 and kw2 are gone by then, kw3 is new
    expect(await b.cmd('b2', 'NOOP')).toBe(`${flags(' kw3')}${lines('* 2 EXISTS', '* 0 RECENT', 'b2 OK NOOP completed')}`);
    expect(await b.cmd('b3', 'STORE 2 +FLAGS.SILENT ($Label1)')).toBe(`${flags(' kw3 $Label1')}b3 OK STORE completed\r\n`);
    expect(await a.cmd('a5', 'NOOP')).toBe(`${flags(' kw1 kw2 kw3 $Label1')}${lines('* 2 FETCH (UID 2 FLAGS (kw3 $Label1 \\Recent))', 'a5 OK NOOP completed')}`);
  });
});

describe('greeting and logins', () => {
  it('the IMAP greeting lists what CAPABILITY lists before login', async () => {
    const { connect } = await import('node:net');
    const s = connect(srv.port, '127.0.0.1');
    const greeting = await new Promise<string>((r) => s.once('data', (d) => r(d.toString('latin1'))));
    const c = new RawImap(s);
    clients.push(c);
    const caps = (await c.cmd('c1', 'CAPABILITY')).split('\r\n')[0]!.replace(/^\* CAPABILITY /, '');
    expect(greeting).toBe(`* OK [CAPABILITY ${caps}] mailcluster IMAP ready\r\n`);
  });

  it('POP3: wrong credentials are -ERR [AUTH] (RFC 3206 §6), as AUTH-RESP-CODE promises', async () => {
    const pop = await startPop3(new MemoryStore(), { 'p@example.test': 'secret-pass' });
    try {
      const { client } = await Pop3Client.open(pop.port, { tls: false });
      expect(await client.multi('CAPA')).toContain('\r\nAUTH-RESP-CODE\r\n');
      expect(await client.login('p@example.test', 'wrong')).toBe('-ERR [AUTH] wrong user name or password\r\n');
      client.close();
    } finally {
      await pop.server.close();
    }
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
