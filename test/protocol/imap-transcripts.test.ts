/**
 * IMAP transcripts over real TCP against the protocol core on the memory store: what a client
 * sends, byte for byte, and the replies it depends on — including error replies, literals split
 * across TCP packets, limits, and untagged updates between sessions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/storage/memory/store.ts';
import { RawImap, startImap } from '../harness/imap.ts';

let srv: Awaited<ReturnType<typeof startImap>>;
const clients: RawImap[] = [];
async function login(user = 'alice@example.test'): Promise<RawImap> {
  const c = await RawImap.open(srv.port);
  clients.push(c);
  expect(await c.cmd('l', `LOGIN ${user} secret-pass`)).toMatch(/^l OK \[CAPABILITY IMAP4rev1 [^\]]*IDLE[^\]]*\] logged in\r\n$/);
  return c;
}
const msg = (subject: string, body = 'hello'): string => `From: Bob <bob@example.test>\r\nTo: alice@example.test\r\nSubject: ${subject}\r\nDate: Tue, 3 Nov 2026 10:00:00 +0000\r\n\r\n${body}\r\n`;

beforeAll(async () => {
  srv = await startImap(new MemoryStore(), { 'alice@example.test': 'secret-pass', 'bob@example.test': 'secret-pass' });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await srv.server.close();
});

describe('IMAP transcripts', () => {
  it('greets with capabilities; CAPABILITY, NOOP, ID, bad and unknown commands before login', async () => {
    const c = await RawImap.open(srv.port);
    clients.push(c);
    const caps = await c.cmd('a1', 'CAPABILITY');
    expect(caps).toMatch(/^\* CAPABILITY IMAP4rev1 IMAP4rev2 LITERAL\+ SASL-IR ID ENABLE IDLE NAMESPACE UIDPLUS MOVE UNSELECT ESEARCH SEARCHRES CHILDREN SPECIAL-USE LIST-EXTENDED LIST-STATUS QUOTA QUOTA=RES-STORAGE SORT SORT=DISPLAY ESORT CONTEXT=SEARCH CONTEXT=SORT THREAD=ORDEREDSUBJECT THREAD=REFERENCES NOTIFY MULTIAPPEND BINARY CATENATE CONDSTORE QRESYNC APPENDLIMIT=1048576 STARTTLS AUTH=PLAIN\r\na1 OK/);
    expect(await c.cmd('a2', 'NOOP')).toBe('a2 OK NOOP completed\r\n');
    expect(await c.cmd('a3', 'ID NIL')).toMatch(/^\* ID \("name" "mailcluster" /);
    expect(await c.cmd('a4', 'FROBNICATE')).toMatch(/^a4 BAD /);
    expect(await c.cmd('a5', 'SELECT INBOX')).toBe('a5 BAD SELECT is not allowed before login\r\n');
    expect(await c.cmd('a6', 'LOGIN alice@example.test wrong-pass')).toBe('a6 NO [AUTHENTICATIONFAILED] wrong user name or password\r\n');
    expect(await c.cmd('a7', 'LOGIN "../etc@example.test" x')).toMatch(/^a7 NO \[AUTHENTICATIONFAILED\]/);
  });

  it('AUTHENTICATE PLAIN with a continuation, and with SASL-IR', async () => {
    const c = await RawImap.open(srv.port);
    clients.push(c);
    c.send('p1 AUTHENTICATE PLAIN\r\n');
    expect(await c.read((b) => b.endsWith('\r\n'))).toBe('+ \r\n');
    c.send(`${Buffer.from('\0alice@example.test\0secret-pass').toString('base64')}\r\n`);
    expect(await c.until('p1')).toMatch(/^p1 OK \[CAPABILITY /);
    const d = await RawImap.open(srv.port);
    clients.push(d);
    expect(await d.cmd('p2', `AUTHENTICATE PLAIN ${Buffer.from('\0bob@example.test\0secret-pass').toString('base64')}`)).toMatch(/^p2 OK /);
    const e = await RawImap.open(srv.port);
    clients.push(e);
    e.send('p3 AUTHENTICATE PLAIN\r\n');
    await e.read((b) => b.endsWith('\r\n'));
    expect(await (e.send('*\r\n'), e.until('p3'))).toBe('p3 BAD authentication cancelled\r\n');
  });

  it('APPEND with a literal split across packets, then SELECT, FETCH, STORE, SEARCH, EXPUNGE', async () => {
    const c = await login();
    const m = msg('first');
    c.send(`b1 APPEND INBOX (\\Flagged) {${m.length}}\r\n`);
    expect(await c.read((b) => b.endsWith('\r\n'))).toBe('+ go ahead\r\n');
    c.send(m.slice(0, 10));
    await new Promise((r) => setTimeout(r, 30));
    c.send(m.slice(10));
    c.send('\r\n');
    expect(await c.until('b1')).toMatch(/^b1 OK \[APPENDUID \d+ 1\] APPEND completed\r\n$/);
    const m2 = msg('second', 'needle in body');
    expect(await c.cmd('b2', `APPEND INBOX {${m2.length}+}\r\n${m2}`)).toMatch(/^b2 OK \[APPENDUID \d+ 2\]/);

    const sel = await c.cmd('b3', 'SELECT INBOX');
    expect(sel).toContain('* 2 EXISTS\r\n');
    expect(sel).toContain('* OK [UIDNEXT 3]');
    expect(sel).toMatch(/\* OK \[UIDVALIDITY \d+\]/);
    expect(sel).toMatch(/\* OK \[PERMANENTFLAGS \(\\Answered \\Flagged \\Deleted \\Seen \\Draft \\\*\)\]/);
    expect(sel).toMatch(/b3 OK \[READ-WRITE\] SELECT completed\r\n$/);

    expect(await c.cmd('b4', 'FETCH 1:2 (UID FLAGS RFC822.SIZE)')).toBe(
      `* 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent) RFC822.SIZE ${m.length})\r\n* 2 FETCH (UID 2 FLAGS (\\Recent) RFC822.SIZE ${m2.length})\r\nb4 OK FETCH completed\r\n`,
    );
    expect(await c.cmd('b5', 'UID FETCH 2 (BODY.PEEK[HEADER.FIELDS (SUBJECT)] ENVELOPE)')).toBe(
      '* 2 FETCH (UID 2 BODY[HEADER.FIELDS (SUBJECT)] {19}\r\nSubject: second\r\n\r\n ENVELOPE ("Tue, 3 Nov 2026 10:00:00 +0000" "second" (("Bob" NIL "bob" "example.test")) (("Bob" NIL "bob" "example.test")) (("Bob" NIL "bob" "example.test")) ((NIL NIL "alice" "example.test")) NIL NIL NIL NIL))\r\nb5 OK FETCH completed\r\n',
    );
    // BODY[] without PEEK sets \Seen and reports it
    expect(await c.cmd('b6', 'FETCH 1 BODY[TEXT]')).toBe('* 1 FETCH (BODY[TEXT] {7}\r\nhello\r\n FLAGS (\\Flagged \\Seen \\Recent))\r\nb6 OK FETCH completed\r\n');
    expect(await c.cmd('b7', 'SEARCH UNSEEN')).toBe('* SEARCH 2\r\nb7 OK SEARCH completed\r\n');
    expect(await c.cmd('b8', 'UID SEARCH BODY needle')).toBe('* SEARCH 2\r\nb8 OK SEARCH completed\r\n');
    expect(await c.cmd('b9', 'SEARCH CHARSET KOI8-R TEXT x')).toMatch(/^b9 NO \[BADCHARSET \(UTF-8 US-ASCII\)\]/);
    expect(await c.cmd('c1', 'STORE 2 +FLAGS (\\Deleted)')).toBe('* 2 FETCH (FLAGS (\\Deleted \\Recent))\r\nc1 OK STORE completed\r\n');
    expect(await c.cmd('c2', 'FETCH 5 FLAGS')).toBe('c2 BAD message numbers go from 1 to 2\r\n');
    expect(await c.cmd('c3', 'EXPUNGE')).toBe('* 2 EXPUNGE\r\nc3 OK EXPUNGE completed\r\n');
    expect(await c.cmd('c4', 'UID FETCH 2 FLAGS')).toBe('c4 OK FETCH completed\r\n');
  });

  it('mailbox commands: CREATE, LIST with SPECIAL-USE and CHILDREN, RENAME, STATUS, DELETE, TRYCREATE', async () => {
    const c = await login('bob@example.test');
    expect(await c.cmd('d1', 'CREATE Sent')).toBe('d1 OK CREATE completed\r\n');
    expect(await c.cmd('d2', 'CREATE Projects/2026')).toBe('d2 OK CREATE completed\r\n');
    expect(await c.cmd('d3', 'CREATE Sent')).toBe('d3 NO [ALREADYEXISTS] mailbox already exists\r\n');
    expect(await c.cmd('d4', 'LIST "" "*"')).toBe(
      '* LIST (\\HasNoChildren) "/" INBOX\r\n* LIST (\\HasChildren) "/" Projects\r\n* LIST (\\HasNoChildren) "/" Projects/2026\r\n* LIST (\\HasNoChildren \\Sent) "/" Sent\r\nd4 OK LIST completed\r\n',
    );
    expect(await c.cmd('d5', 'LIST "" "%"')).not.toContain('Projects/2026');
    expect(await c.cmd('d6', 'RENAME Projects/2026 Projects/2027')).toBe('d6 OK RENAME completed\r\n');
    expect(await c.cmd('d7', 'STATUS Projects/2027 (MESSAGES UIDNEXT UNSEEN)')).toMatch(/^\* STATUS Projects\/2027 \(MESSAGES 0 UIDNEXT 1 UNSEEN 0\)\r\nd7 OK/);
    expect(await c.cmd('d8', 'STATUS Nope (MESSAGES)')).toBe('d8 NO [NONEXISTENT] no such mailbox\r\n');
    expect(await c.cmd('d9', 'SELECT Nope')).toBe('d9 NO [NONEXISTENT] no such mailbox\r\n');
    const m = msg('x');
    expect(await c.cmd('e1', `APPEND Nope {${m.length}+}\r\n${m}`)).toMatch(/^e1 NO \[TRYCREATE\]/);
    expect(await c.cmd('e2', 'DELETE INBOX')).toBe('e2 NO [CANNOT] INBOX cannot be deleted\r\n');
    expect(await c.cmd('e3', 'SUBSCRIBE Sent')).toBe('e3 OK SUBSCRIBE completed\r\n');
    expect(await c.cmd('e4', 'LSUB "" "*"')).toBe('* LSUB (\\HasNoChildren) "/" Sent\r\ne4 OK LSUB completed\r\n');
    expect(await c.cmd('e5', 'NAMESPACE')).toBe('* NAMESPACE (("" "/")) NIL NIL\r\ne5 OK NAMESPACE completed\r\n');
    expect(await c.cmd('e6', 'GETQUOTAROOT INBOX')).toBe('* QUOTAROOT INBOX ""\r\n* QUOTA "" ()\r\ne6 OK GETQUOTAROOT completed\r\n');
  });

  it('COPY with COPYUID, MOVE with expunges, TRYCREATE, UID EXPUNGE only of deleted UIDs', async () => {
    const c = await login('bob@example.test');
    for (const s of ['m1', 'm2', 'm3']) await c.cmd('f0', `APPEND INBOX {${msg(s).length}+}\r\n${msg(s)}`);
    await c.cmd('f1', 'SELECT INBOX');
    await c.cmd('f2', 'CREATE Archive');
    expect(await c.cmd('f3', 'COPY 1:2 Archive')).toMatch(/^f3 OK \[COPYUID \d+ 1:2 1:2\] COPY completed\r\n$/);
    expect(await c.cmd('f4', 'COPY 1 Missing')).toMatch(/^f4 NO \[TRYCREATE\]/);
    expect(await c.cmd('f5', 'UID MOVE 2 Archive')).toMatch(/^\* OK \[COPYUID \d+ 2 3\] moved\r\n\* 2 EXPUNGE\r\nf5 OK MOVE completed\r\n$/);
    await c.cmd('f6', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
    await c.cmd('f7', 'STORE 2 +FLAGS.SILENT (\\Deleted)');
    expect(await c.cmd('f8', 'UID EXPUNGE 3')).toBe('* 2 EXPUNGE\r\nf8 OK EXPUNGE completed\r\n');
    expect(await c.cmd('f9', 'FETCH 1:* UID')).toBe('* 1 FETCH (UID 1)\r\nf9 OK FETCH completed\r\n');
  });

  it('IDLE wakes on another session\'s APPEND; EXPUNGE by another session arrives at the next command', async () => {
    const a = await login();
    const b = await login();
    await a.cmd('g1', 'SELECT INBOX');
    a.send('g2 IDLE\r\n');
    expect(await a.read((x) => x.endsWith('\r\n'))).toBe('+ idling\r\n');
    const m = msg('while idling');
    await b.cmd('h1', `APPEND INBOX {${m.length}+}\r\n${m}`);
    expect(await a.read((x) => x.includes('RECENT\r\n'))).toMatch(/^\* \d+ EXISTS\r\n\* \d+ RECENT\r\n$/);
    a.send('DONE\r\n');
    expect(await a.until('g2')).toBe('g2 OK IDLE terminated\r\n');
    await b.cmd('h2', 'SELECT INBOX');
    await b.cmd('h3', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
    await b.cmd('h4', 'EXPUNGE');
    const fetch = await a.cmd('g3', 'FETCH 1 UID'); // expunges are held back during FETCH…
    expect(fetch).not.toContain('EXPUNGE');
    expect(await a.cmd('g4', 'NOOP')).toMatch(/^\* 1 EXPUNGE\r\n/); // …and sent at the next NOOP
  });

  it('EXAMINE is read-only; CLOSE expunges \\Deleted, UNSELECT does not; ENABLE lists nothing unsupported', async () => {
    const c = await login('bob@example.test');
    await c.cmd('k0', 'CREATE Scratch');
    for (const s of ['s1', 's2']) await c.cmd('k1', `APPEND Scratch (\\Deleted) {${msg(s).length}+}\r\n${msg(s)}`);
    expect(await c.cmd('k2', 'EXAMINE Scratch')).toMatch(/k2 OK \[READ-ONLY\] EXAMINE completed\r\n$/);
    expect(await c.cmd('k3', 'STORE 1 +FLAGS (\\Seen)')).toBe('k3 NO [CANNOT] mailbox is read-only (EXAMINE)\r\n');
    expect(await c.cmd('k4', 'EXPUNGE')).toBe('k4 NO [READ-ONLY] mailbox is read-only (EXAMINE)\r\n');
    expect(await c.cmd('k5', 'UNSELECT')).toBe('k5 OK UNSELECT completed\r\n');
    expect(await c.cmd('k6', 'STATUS Scratch (MESSAGES DELETED)')).toMatch(/\(MESSAGES 2 DELETED 2\)/);
    await c.cmd('k7', 'SELECT Scratch');
    expect(await c.cmd('k8', 'CLOSE')).toBe('k8 OK CLOSE completed\r\n'); // no untagged EXPUNGE from CLOSE
    expect(await c.cmd('k9', 'STATUS Scratch (MESSAGES)')).toMatch(/\(MESSAGES 0\)/);
    expect(await c.cmd('j1', 'FETCH 1 FLAGS')).toBe('j1 BAD FETCH is not allowed without a selected mailbox\r\n');
    expect(await c.cmd('j2', 'ENABLE X-NOT-IMPLEMENTED')).toBe('* ENABLED\r\nj2 OK ENABLE completed\r\n');
  });

  it('QUOTA: GETQUOTAROOT reports usage and limit; APPEND over the limit gets NO [OVERQUOTA]', async () => {
    const c = await login('bob@example.test');
    srv.hooks.quotaBytes = 64 * 1024;
    try {
      expect(await c.cmd('q1', 'GETQUOTAROOT INBOX')).toMatch(/^\* QUOTAROOT INBOX ""\r\n\* QUOTA "" \(STORAGE \d+ 64\)\r\nq1 OK/);
      const big = `Subject: big\r\n\r\n${'x'.repeat(70 * 1024)}\r\n`;
      expect(await c.cmd('q2', `APPEND INBOX {${big.length}+}\r\n${big}`)).toBe('q2 NO [OVERQUOTA] the message does not fit in the quota\r\n');
      expect(await c.cmd('q3', 'GETQUOTA "other"')).toBe('q3 NO [NONEXISTENT] no such quota root\r\n');
    } finally {
      srv.hooks.quotaBytes = 0;
    }
  });

  it('STARTTLS upgrades the connection; LOGIN before it is refused when plaintext is not allowed', async () => {
    const strict = await startImap(new MemoryStore(), { 'a@example.test': 'secret-pass' }, { allowPlaintextAuth: false });
    try {
      const c = await RawImap.open(strict.port);
      clients.push(c);
      expect(await c.cmd('s1', 'CAPABILITY')).toMatch(/STARTTLS LOGINDISABLED\r\n/);
      expect(await c.cmd('s2', 'LOGIN a@example.test secret-pass')).toBe('s2 NO [PRIVACYREQUIRED] use STARTTLS (or port 993) before sending a password\r\n');
      expect(await c.cmd('s3', 'STARTTLS')).toBe('s3 OK begin TLS negotiation now\r\n');
      const { connect } = await import('node:tls');
      const tls = connect({ socket: c.socket, rejectUnauthorized: false });
      await new Promise<void>((r) => tls.once('secureConnect', () => r()));
      const t = new RawImap(tls);
      expect(await t.cmd('s4', 'CAPABILITY')).toMatch(/AUTH=PLAIN\r\ns4 OK/);
      expect(await t.cmd('s5', 'LOGIN a@example.test secret-pass')).toMatch(/^s5 OK /);
      tls.destroy();
    } finally {
      await strict.server.close();
    }
  });

  it('limits: an oversized literal gets NO [TOOBIG]; repeated bad commands end the session', async () => {
    const small = await startImap(new MemoryStore(), { 'a@example.test': 'secret-pass' }, { maxLiteralSize: 100 });
    try {
      const c = await RawImap.open(small.port);
      clients.push(c);
      await c.cmd('l', 'LOGIN a@example.test secret-pass');
      expect(await c.cmd('t1', 'APPEND INBOX {5000}')).toMatch(/^t1 NO \[TOOBIG\]/);
      for (let i = 0; i < 4; i++) await c.cmd(`x${i}`, 'BLAH');
      c.send('x9 BLAH\r\n');
      expect(await c.read((b) => b.includes('* BYE'))).toMatch(/\* BYE too many bad commands\r\n$/);
    } finally {
      await small.server.close();
    }
  });
});
