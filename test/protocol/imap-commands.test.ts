/**
 * IMAP transcripts, command by command, over real TCP against the memory store: the replies a
 * client depends on for each command of issue 4, success and failure, beyond what
 * imap-transcripts.test.ts already walks through. Each test logs in as its own user.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/storage/memory/store.ts';
import { RawImap, startImap } from '../harness/imap.ts';

const USERS = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`u${i}@example.test`, 'secret-pass']));
let srv: Awaited<ReturnType<typeof startImap>>;
const clients: RawImap[] = [];
let nextUser = 0;

async function open(): Promise<RawImap> {
  const c = await RawImap.open(srv.port);
  clients.push(c);
  return c;
}
async function login(user = `u${nextUser++}@example.test`): Promise<RawImap> {
  const c = await open();
  expect(await c.cmd('l', `LOGIN ${user} secret-pass`)).toMatch(/^l OK /);
  return c;
}
const msg = (subject: string, body = 'hello', headers = ''): string =>
  `From: Bob <bob@example.test>\r\nTo: alice@example.test\r\nSubject: ${subject}\r\nDate: Tue, 3 Nov 2026 10:00:00 +0000\r\nMessage-ID: <${subject}@x>\r\n${headers}\r\n${body}\r\n`;
async function append(c: RawImap, mailbox: string, m: string, flags = ''): Promise<void> {
  expect(await c.cmd('ap', `APPEND ${mailbox} ${flags}{${Buffer.byteLength(m)}+}\r\n${m}`)).toMatch(/^ap OK /);
}

beforeAll(async () => {
  srv = await startImap(new MemoryStore(), USERS);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await srv.server.close();
});

describe('any state', () => {
  it('LOGOUT: untagged BYE, tagged OK, then the server closes', async () => {
    const c = await open();
    expect(await c.cmd('z1', 'LOGOUT')).toBe('* BYE logging out\r\nz1 OK LOGOUT completed\r\n');
    await new Promise<void>((r) => (c.socket.destroyed ? r() : c.socket.once('close', () => r())));
  });

  it('commands are answered in order when pipelined in one packet', async () => {
    const c = await open();
    c.send('p1 NOOP\r\np2 CAPABILITY\r\np3 LOGIN u11@example.test secret-pass\r\np4 SELECT INBOX\r\n');
    const out = await c.until('p4');
    expect(out.match(/^p\d (OK|NO|BAD)/gm)).toEqual(['p1 OK', 'p2 OK', 'p3 OK', 'p4 OK']);
  });

  it('state errors are BAD with the reason; LOGIN twice is refused', async () => {
    const c = await login();
    expect(await c.cmd('s1', 'LOGIN x y')).toBe('s1 BAD LOGIN is not allowed without a selected mailbox\r\n');
    expect(await c.cmd('s2', 'STARTTLS')).toMatch(/^s2 BAD STARTTLS is not allowed/);
    expect(await c.cmd('s3', 'UID FETCH 1 FLAGS')).toBe('s3 BAD FETCH is not allowed without a selected mailbox\r\n');
    expect(await c.cmd('s4', 'CHECK')).toMatch(/^s4 BAD CHECK is not allowed/);
  });

  it('AUTHENTICATE with an unsupported mechanism or malformed PLAIN', async () => {
    const c = await open();
    expect(await c.cmd('a1', 'AUTHENTICATE CRAM-MD5')).toBe('a1 NO [CANNOT] mechanism CRAM-MD5 is not supported\r\n');
    expect(await c.cmd('a2', `AUTHENTICATE PLAIN ${Buffer.from('just-one-part').toString('base64')}`)).toBe('a2 BAD malformed PLAIN credentials\r\n');
    expect(await c.cmd('a3', `AUTHENTICATE PLAIN ${Buffer.from('someone-else\0u0@example.test\0secret-pass').toString('base64')}`)).toBe('a3 BAD malformed PLAIN credentials\r\n');
    expect(await c.cmd('a4', `AUTHENTICATE PLAIN ${Buffer.from('\0u0@example.test\0nope').toString('base64')}`)).toBe('a4 NO [AUTHENTICATIONFAILED] wrong user name or password\r\n');
  });

  it('a parse error names its reason; an unreadable tag gets an untagged BAD', async () => {
    const c = await login();
    expect(await c.cmd('b1', 'FETCH 1:2:3 FLAGS')).toBe('b1 BAD Invalid sequence set\r\n');
    c.send('(x) NOOP\r\n');
    expect(await c.read((b) => b.endsWith('\r\n'))).toBe('* BAD Missing or invalid tag\r\n');
  });
});

describe('mailboxes', () => {
  it('CREATE, LIST and SELECT with a non-ASCII name travel in modified UTF-7', async () => {
    const c = await login();
    expect(await c.cmd('m1', 'CREATE Entw&APw-rfe')).toBe('m1 OK CREATE completed\r\n');
    expect(await c.cmd('m2', 'LIST "" Entw*')).toBe('* LIST (\\HasNoChildren) "/" Entw&APw-rfe\r\nm2 OK LIST completed\r\n');
    expect(await c.cmd('m3', 'SELECT "Entw&APw-rfe"')).toMatch(/\* 0 EXISTS\r\n[\s\S]*m3 OK \[READ-WRITE\]/);
    expect(await c.cmd('m4', 'CREATE Entw\xfcrfe')).toMatch(/^m4 BAD /);
  });

  // CREATE makes missing parents (a, a/b), so none is \Noselect here
  it('LIST: SPECIAL-USE attributes, CHILDREN, reference, "" for the delimiter, INBOX any case', async () => {
    const c = await login();
    for (const f of ['Drafts', 'Trash', 'Junk', 'Archive', 'a/b/c']) await c.cmd('m0', `CREATE ${f}`);
    expect(await c.cmd('l1', 'LIST "" %')).toBe(
      '* LIST (\\HasNoChildren) "/" INBOX\r\n* LIST (\\HasChildren) "/" a\r\n* LIST (\\HasNoChildren \\Archive) "/" Archive\r\n' +
        '* LIST (\\HasNoChildren \\Drafts) "/" Drafts\r\n* LIST (\\HasNoChildren \\Junk) "/" Junk\r\n* LIST (\\HasNoChildren \\Trash) "/" Trash\r\nl1 OK LIST completed\r\n',
    );
    expect(await c.cmd('l2', 'LIST "" ""')).toBe('* LIST (\\Noselect) "/" ""\r\nl2 OK LIST completed\r\n');
    expect(await c.cmd('l3', 'LIST a/ %')).toBe('* LIST (\\HasChildren) "/" a/b\r\nl3 OK LIST completed\r\n');
    expect(await c.cmd('l4', 'LIST "" inbox')).toBe('* LIST (\\HasNoChildren) "/" INBOX\r\nl4 OK LIST completed\r\n');
    expect(await c.cmd('l5', 'LIST "" nothing*')).toBe('l5 OK LIST completed\r\n');
  });

  it('DELETE: a missing mailbox, the selected one, then success; UNSUBSCRIBE', async () => {
    const c = await login();
    await c.cmd('d0', 'CREATE Old');
    expect(await c.cmd('d1', 'DELETE Missing')).toBe('d1 NO [NONEXISTENT] no such mailbox\r\n');
    await c.cmd('d2', 'SELECT Old');
    expect(await c.cmd('d3', 'DELETE Old')).toBe('d3 NO [INUSE] close the mailbox before deleting it\r\n');
    await c.cmd('d4', 'UNSELECT');
    await c.cmd('d5', 'SUBSCRIBE Old');
    expect(await c.cmd('d6', 'DELETE Old')).toBe('d6 OK DELETE completed\r\n');
    expect(await c.cmd('d7', 'SELECT Old')).toBe('d7 NO [NONEXISTENT] no such mailbox\r\n');
    expect(await c.cmd('d8', 'UNSUBSCRIBE Old')).toBe('d8 OK UNSUBSCRIBE completed\r\n');
    expect(await c.cmd('d9', 'LSUB "" *')).toBe('d9 OK LSUB completed\r\n');
  });

  it('RENAME: missing source, existing target, INBOX moves its messages and stays', async () => {
    const c = await login();
    await c.cmd('r0', 'CREATE A');
    await c.cmd('r1', 'CREATE B');
    expect(await c.cmd('r2', 'RENAME Missing C')).toBe('r2 NO [NONEXISTENT] no such mailbox\r\n');
    expect(await c.cmd('r3', 'RENAME A B')).toBe('r3 NO [ALREADYEXISTS] mailbox already exists\r\n');
    expect(await c.cmd('r4', 'RENAME A INBOX')).toBe('r4 NO [ALREADYEXISTS] cannot rename onto INBOX\r\n');
    await append(c, 'INBOX', msg('keep'));
    expect(await c.cmd('r5', 'RENAME INBOX Saved')).toBe('r5 OK RENAME completed\r\n');
    expect(await c.cmd('r6', 'STATUS INBOX (MESSAGES)')).toMatch(/^\* STATUS INBOX \(MESSAGES 0\)/);
    expect(await c.cmd('r7', 'STATUS Saved (MESSAGES)')).toMatch(/^\* STATUS Saved \(MESSAGES 1\)/);
  });

  it('STATUS: every item, in the order asked', async () => {
    const c = await login();
    await append(c, 'INBOX', msg('s1'), '(\\Seen) ');
    await append(c, 'INBOX', msg('s2'), '(\\Deleted) ');
    expect(await c.cmd('t1', 'STATUS INBOX (UIDNEXT MESSAGES UNSEEN DELETED SIZE RECENT UIDVALIDITY)')).toMatch(
      new RegExp(`^\\* STATUS INBOX \\(UIDNEXT 3 MESSAGES 2 UNSEEN 1 DELETED 1 SIZE ${Buffer.byteLength(msg('s1')) + Buffer.byteLength(msg('s2'))} RECENT \\d+ UIDVALIDITY \\d+\\)\\r\\nt1 OK`),
    );
  });

  it('APPEND: INTERNALDATE as given, empty message refused, keywords announced in FLAGS on SELECT', async () => {
    const c = await login();
    const m = msg('dated');
    expect(await c.cmd('p1', `APPEND INBOX ($Forwarded) "05-Oct-2025 08:30:00 +0200" {${m.length}+}\r\n${m}`)).toMatch(/^p1 OK \[APPENDUID \d+ 1\]/);
    expect(await c.cmd('p2', 'APPEND INBOX {0+}\r\n')).toBe('p2 NO [CANNOT] empty message\r\n');
    expect(await c.cmd('p3', 'SELECT INBOX')).toContain('* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded)\r\n');
    expect(await c.cmd('p4', 'FETCH 1 (INTERNALDATE FLAGS)')).toBe('* 1 FETCH (INTERNALDATE "05-Oct-2025 06:30:00 +0000" FLAGS ($Forwarded \\Recent))\r\np4 OK FETCH completed\r\n');
  });
});

describe('messages', () => {
  it('FETCH: RFC822.*, BODY[HEADER], BODYSTRUCTURE, partial bodies, the ALL macro, UID FETCH adds UID', async () => {
    const c = await login();
    const m = msg('parts', 'line one\r\nline two');
    await append(c, 'INBOX', m, '(\\Seen) ');
    await c.cmd('f0', 'SELECT INBOX');
    const header = m.slice(0, m.indexOf('\r\n\r\n') + 4);
    const text = m.slice(header.length);
    expect(await c.cmd('f1', 'FETCH 1 (RFC822.HEADER RFC822.SIZE)')).toBe(`* 1 FETCH (RFC822.HEADER {${header.length}}\r\n${header} RFC822.SIZE ${m.length})\r\nf1 OK FETCH completed\r\n`);
    expect(await c.cmd('f2', 'FETCH 1 RFC822.TEXT')).toBe(`* 1 FETCH (RFC822.TEXT {${text.length}}\r\n${text})\r\nf2 OK FETCH completed\r\n`);
    expect(await c.cmd('f3', 'FETCH 1 RFC822')).toBe(`* 1 FETCH (RFC822 {${m.length}}\r\n${m})\r\nf3 OK FETCH completed\r\n`);
    expect(await c.cmd('f4', 'FETCH 1 BODY.PEEK[]<5.4>')).toBe(`* 1 FETCH (BODY[]<5> {4}\r\n${m.slice(5, 9)})\r\nf4 OK FETCH completed\r\n`);
    expect(await c.cmd('f5', 'FETCH 1 BODY.PEEK[TEXT]<9.100>')).toBe(`* 1 FETCH (BODY[TEXT]<9> {${text.length - 9}}\r\n${text.slice(9)})\r\nf5 OK FETCH completed\r\n`);
    expect(await c.cmd('f6', 'FETCH 1 BODYSTRUCTURE')).toBe(`* 1 FETCH (BODYSTRUCTURE ("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" ${text.length} 2 NIL NIL NIL NIL))\r\nf6 OK FETCH completed\r\n`);
    expect(await c.cmd('f7', 'FETCH 1 ALL')).toMatch(/^\* 1 FETCH \(FLAGS \(\\Seen \\Recent\) INTERNALDATE "[^"]+" RFC822\.SIZE \d+ ENVELOPE \(.*\)\)\r\nf7 OK/);
    expect(await c.cmd('f8', 'UID FETCH 1:* FLAGS')).toBe('* 1 FETCH (UID 1 FLAGS (\\Seen \\Recent))\r\nf8 OK FETCH completed\r\n');
    expect(await c.cmd('f9', 'FETCH 1 BODY[2]')).toBe('* 1 FETCH (BODY[2] NIL)\r\nf9 OK FETCH completed\r\n');
  });

  it('STORE: FLAGS replaces, -FLAGS removes, UID STORE reports UID, \\Recent cannot be stored, keywords kept', async () => {
    const c = await login();
    await append(c, 'INBOX', msg('st'));
    await c.cmd('s0', 'SELECT INBOX');
    expect(await c.cmd('s1', 'STORE 1 FLAGS (\\Answered $Label1 \\Recent)')).toBe(
      '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label1)\r\n* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label1 \\*)] flags allowed\r\n' +
        '* 1 FETCH (FLAGS (\\Answered $Label1 \\Recent))\r\ns1 OK STORE completed\r\n',
    );
    expect(await c.cmd('s2', 'STORE 1 -FLAGS (\\Answered)')).toBe('* 1 FETCH (FLAGS ($Label1 \\Recent))\r\ns2 OK STORE completed\r\n');
    expect(await c.cmd('s3', 'UID STORE 1 +FLAGS (\\Seen)')).toBe('* 1 FETCH (UID 1 FLAGS ($Label1 \\Seen \\Recent))\r\ns3 OK STORE completed\r\n');
    expect(await c.cmd('s4', 'UID STORE 99 +FLAGS (\\Seen)')).toBe('s4 OK STORE completed\r\n'); // missing UIDs are skipped
    expect(await c.cmd('s5', 'STORE 2 +FLAGS (\\Seen)')).toBe('s5 BAD message numbers go from 1 to 1\r\n');
  });

  it('SEARCH: UID SEARCH, OR / NOT / dates / headers / sizes, ESEARCH RETURN, literal arguments split across packets', async () => {
    const c = await login();
    await append(c, 'INBOX', msg('alpha', 'first body'), '(\\Flagged) ');
    await append(c, 'INBOX', msg('beta', 'second body with Grüße', 'Content-Type: text/plain; charset=utf-8\r\n'));
    await append(c, 'INBOX', msg('gamma', 'x'.repeat(2000)), '(\\Seen) ');
    await c.cmd('q0', 'SELECT INBOX');
    expect(await c.cmd('q1', 'SEARCH OR FLAGGED SEEN')).toBe('* SEARCH 1 3\r\nq1 OK SEARCH completed\r\n');
    expect(await c.cmd('q2', 'UID SEARCH NOT SUBJECT beta')).toBe('* SEARCH 1 3\r\nq2 OK SEARCH completed\r\n');
    expect(await c.cmd('q3', 'SEARCH LARGER 1000')).toBe('* SEARCH 3\r\nq3 OK SEARCH completed\r\n');
    expect(await c.cmd('q4', 'SEARCH SENTON 3-Nov-2026 HEADER Message-ID gamma')).toBe('* SEARCH 3\r\nq4 OK SEARCH completed\r\n');
    expect(await c.cmd('q5', 'SEARCH 2:* UNSEEN')).toBe('* SEARCH 2\r\nq5 OK SEARCH completed\r\n');
    expect(await c.cmd('q6', 'SEARCH RETURN (MIN MAX COUNT) ALL')).toBe('* ESEARCH (TAG "q6") MIN 1 MAX 3 COUNT 3\r\nq6 OK SEARCH completed\r\n');
    expect(await c.cmd('q7', 'SEARCH SUBJECT nothing-like-this')).toBe('* SEARCH\r\nq7 OK SEARCH completed\r\n');
    c.send('q8 SEARCH CHARSET UTF-8 BODY {6}\r\n');
    expect(await c.read((b) => b.endsWith('\r\n'))).toBe('+ go ahead\r\n');
    const word = Buffer.from('Grüß');
    c.socket.write(word.subarray(0, 3));
    await new Promise((r) => setTimeout(r, 20));
    c.socket.write(Buffer.concat([word.subarray(3), Buffer.from('\r\n')]));
    expect(await c.until('q8')).toBe('* SEARCH 2\r\nq8 OK SEARCH completed\r\n');
  });

  it('COPY / MOVE: UID COPY into the same mailbox announces EXISTS; read-only MOVE refused; empty UID set is OK', async () => {
    const c = await login();
    await append(c, 'INBOX', msg('c1'));
    await c.cmd('c0', 'SELECT INBOX');
    expect(await c.cmd('c1', 'UID COPY 1 INBOX')).toMatch(/^\* 2 EXISTS\r\n\* \d+ RECENT\r\nc1 OK \[COPYUID \d+ 1 2\] COPY completed\r\n$/);
    expect(await c.cmd('c2', 'UID MOVE 50:60 INBOX')).toBe('c2 OK MOVE completed (nothing to do)\r\n');
    await c.cmd('c3', 'EXAMINE INBOX');
    expect(await c.cmd('c4', 'MOVE 1 Trash')).toBe('c4 NO [CANNOT] mailbox is read-only (EXAMINE)\r\n');
    expect(await c.cmd('c5', 'COPY 1 Nowhere')).toMatch(/^c5 NO \[TRYCREATE\]/);
  });

  it('CHECK and SELECT of another mailbox (untagged OK [CLOSED] first)', async () => {
    const c = await login();
    await c.cmd('k0', 'CREATE Other');
    await c.cmd('k1', 'SELECT INBOX');
    expect(await c.cmd('k2', 'CHECK')).toBe('k2 OK CHECK completed\r\n');
    expect(await c.cmd('k3', 'SELECT Other')).toMatch(/^\* OK \[CLOSED\] previous mailbox closed\r\n\* FLAGS/);
    expect(await c.cmd('k4', 'SELECT Missing')).toBe('* OK [CLOSED] previous mailbox closed\r\nk4 NO [NONEXISTENT] no such mailbox\r\n');
    expect(await c.cmd('k5', 'FETCH 1 FLAGS')).toMatch(/^k5 BAD FETCH is not allowed/); // a failed SELECT deselects
  });
});
