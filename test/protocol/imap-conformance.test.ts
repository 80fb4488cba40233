/**
 * IMAP transcripts for RFC conformance points that clients trip over: ESEARCH (RFC 4731), RENAME of the selected mailbox and of INBOX (RFC 3501 §6.3.5,
 * RFC 9051 §6.3.6), LSUB of subscribed names that do not exist (RFC 3501 §6.3.9), SEARCH on
 * undeclared 8-bit text (RFC 3501 §6.4.4), `*` in an empty mailbox (RFC 9051 §9 seq-number). Real
 * TCP against the memory store, one user per test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/storage/memory/store.ts';
import { RawImap, startImap } from '../harness/imap.ts';

const USERS = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`c${i}@example.test`, 'secret-pass']));
let srv: Awaited<ReturnType<typeof startImap>>;
const clients: RawImap[] = [];
let nextUser = 0;

/** A new session; `user` defaults to a fresh account, so tests do not see each other's mail. */
async function login(user = `c${nextUser++}@example.test`): Promise<{ c: RawImap; user: string }> {
  const c = await RawImap.open(srv.port);
  clients.push(c);
  expect(await c.cmd('l', `LOGIN ${user} secret-pass`)).toMatch(/^l OK /);
  return { c, user };
}
const msg = (subject: string, body = 'hello'): Buffer =>
  Buffer.from(`From: Bob <bob@example.test>\r\nTo: alice@example.test\r\nSubject: ${subject}\r\nDate: Tue, 3 Nov 2026 10:00:00 +0000\r\n\r\n${body}\r\n`);
/** APPENDs exact bytes (8-bit allowed) with a non-synchronizing literal; returns the reply. */
async function append(c: RawImap, mailbox: string, m: Buffer): Promise<string> {
  c.socket.write(Buffer.concat([Buffer.from(`ap APPEND ${mailbox} {${m.length}+}\r\n`), m, Buffer.from('\r\n')]));
  const reply = await c.until('ap');
  expect(reply).toMatch(/(^|\r\n)ap OK /);
  return reply;
}

beforeAll(async () => {
  srv = await startImap(new MemoryStore(), USERS);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await srv.server.close();
});

describe('ESEARCH (RFC 4731)', () => {
  it('is advertised before and after login', async () => {
    const { c } = await login();
    expect(await c.cmd('e0', 'CAPABILITY')).toMatch(/^\* CAPABILITY IMAP4rev1 [^\r]* ESEARCH[ \r]/);
    const fresh = await RawImap.open(srv.port);
    clients.push(fresh);
    expect(await fresh.cmd('e1', 'CAPABILITY')).toMatch(/ ESEARCH[ \r]/);
  });

  it('RETURN () is ALL; MIN MAX ALL COUNT; UID indicator; ALL in compact form; empty results', async () => {
    const { c } = await login();
    for (let i = 1; i <= 6; i++) await append(c, 'INBOX', msg(`m${i}`));
    await c.cmd('s0', 'SELECT INBOX');
    // UIDs 2..6 at sequence numbers 1..5, so UID and sequence answers differ
    await c.cmd('s1', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
    await c.cmd('s2', 'EXPUNGE');
    await c.cmd('s3', 'STORE 1:3,5 +FLAGS.SILENT (\\Flagged)');
    expect(await c.cmd('e1', 'SEARCH RETURN () FLAGGED')).toBe('* ESEARCH (TAG "e1") ALL 1:3,5\r\ne1 OK SEARCH completed\r\n');
    expect(await c.cmd('e2', 'UID SEARCH RETURN (MIN MAX ALL COUNT) FLAGGED')).toBe('* ESEARCH (TAG "e2") UID MIN 2 MAX 6 ALL 2:4,6 COUNT 4\r\ne2 OK SEARCH completed\r\n');
    expect(await c.cmd('e3', 'SEARCH RETURN (count min) CHARSET UTF-8 UNFLAGGED')).toBe('* ESEARCH (TAG "e3") MIN 4 COUNT 1\r\ne3 OK SEARCH completed\r\n');
    // no match: MIN, MAX and ALL are left out, COUNT is 0, the UID indicator stays
    expect(await c.cmd('e4', 'SEARCH RETURN (MIN MAX ALL) DELETED')).toBe('* ESEARCH (TAG "e4")\r\ne4 OK SEARCH completed\r\n');
    expect(await c.cmd('e5', 'UID SEARCH RETURN (ALL) DELETED')).toBe('* ESEARCH (TAG "e5") UID\r\ne5 OK SEARCH completed\r\n');
    expect(await c.cmd('e6', 'UID SEARCH RETURN (COUNT) DELETED')).toBe('* ESEARCH (TAG "e6") UID COUNT 0\r\ne6 OK SEARCH completed\r\n');
  });

  it('an unknown RETURN option is BAD (RFC 4466 §2.6.1); SAVE is SEARCHRES (imap-searchres.test.ts)', async () => {
    const { c } = await login();
    await c.cmd('s0', 'SELECT INBOX');
    expect(await c.cmd('e2', 'SEARCH RETURN (MIN FROB) ALL')).toBe('e2 BAD unknown RETURN option FROB\r\n');
    expect(await c.cmd('e3', 'NOOP')).toBe('e3 OK NOOP completed\r\n');
  });
});

describe('RENAME of the selected mailbox', () => {
  it('keeps the session on the renamed mailbox: same UIDs and flags, later commands work on the new name', async () => {
    const { c, user } = await login();
    await c.cmd('n0', 'CREATE Work');
    for (const s of ['w1', 'w2']) await append(c, 'Work', msg(s));
    await c.cmd('n1', 'SELECT Work');
    expect(await c.cmd('n2', 'RENAME Work Done')).toBe('n2 OK RENAME completed\r\n');
    expect(await c.cmd('n3', 'UID FETCH 1:* FLAGS')).toBe('* 1 FETCH (UID 1 FLAGS (\\Recent))\r\n* 2 FETCH (UID 2 FLAGS (\\Recent))\r\nn3 OK FETCH completed\r\n');
    expect(await c.cmd('n4', 'STORE 2 +FLAGS (\\Seen)')).toBe('* 2 FETCH (FLAGS (\\Seen \\Recent))\r\nn4 OK STORE completed\r\n');
    expect(await c.cmd('n5', 'SEARCH SUBJECT w1')).toBe('* SEARCH 1\r\nn5 OK SEARCH completed\r\n');
    // a delivery to the new name reaches this session
    const { c: other } = await login(user);
    await append(other, 'Done', msg('w3'));
    expect(await c.cmd('n6', 'NOOP')).toMatch(/^\* 3 EXISTS\r\n\* \d+ RECENT\r\nn6 OK NOOP completed\r\n$/);
    await new Promise((r) => setTimeout(r, 2100)); // past the NOOP rescan interval: the store is read again
    expect(await c.cmd('n7', 'NOOP')).toBe('n7 OK NOOP completed\r\n');
    expect(await c.cmd('n8', 'CLOSE')).toBe('n8 OK CLOSE completed\r\n');
    expect(await c.cmd('n9', 'STATUS Done (MESSAGES UNSEEN)')).toMatch(/^\* STATUS Done \(MESSAGES 3 UNSEEN 2\)\r\n/);
  });

  it('follows a rename of a parent of the selected mailbox', async () => {
    const { c } = await login();
    await c.cmd('p0', 'CREATE Projects/2026');
    await append(c, 'Projects/2026', msg('p1'));
    await c.cmd('p1', 'EXAMINE Projects/2026');
    expect(await c.cmd('p2', 'RENAME Projects Archive')).toBe('p2 OK RENAME completed\r\n');
    expect(await c.cmd('p3', 'FETCH 1 BODY.PEEK[HEADER.FIELDS (SUBJECT)]')).toBe('* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT)] {15}\r\nSubject: p1\r\n\r\n)\r\np3 OK FETCH completed\r\n');
    expect(await c.cmd('p4', 'UNSELECT')).toBe('p4 OK UNSELECT completed\r\n');
  });

  it('RENAME INBOX while INBOX is selected: its messages move out, the session sees them expunged and stays on INBOX', async () => {
    const { c } = await login();
    for (const s of ['i1', 'i2']) await append(c, 'INBOX', msg(s));
    await c.cmd('i0', 'SELECT INBOX');
    expect(await c.cmd('i1', 'RENAME INBOX Old')).toBe('* 2 EXPUNGE\r\n* 1 EXPUNGE\r\ni1 OK RENAME completed\r\n');
    expect(await c.cmd('i2', 'UID SEARCH ALL')).toBe('* SEARCH\r\ni2 OK SEARCH completed\r\n');
    expect(await c.cmd('i3', 'STATUS Old (MESSAGES)')).toMatch(/^\* STATUS Old \(MESSAGES 2\)\r\n/);
    expect(await c.cmd('i4', 'STATUS INBOX (MESSAGES)')).toMatch(/^\* STATUS INBOX \(MESSAGES 0\)\r\n/);
    expect(await append(c, 'INBOX', msg('i3'))).toMatch(/^\* 1 EXISTS\r\n/);
    expect(await c.cmd('i5', 'UID FETCH 1:* UID')).toBe('* 1 FETCH (UID 3)\r\ni5 OK FETCH completed\r\n');
  });
});

describe('`*` in an empty mailbox (RFC 9051 §9 seq-number)', () => {
  it('UID commands match nothing and answer OK with no data, as clients expect right after SELECT', async () => {
    const { c } = await login();
    await c.cmd('x0', 'CREATE Trash');
    expect(await c.cmd('x1', 'SELECT INBOX')).toMatch(/^\* FLAGS [^\r]*\r\n\* 0 EXISTS\r\n/);
    expect(await c.cmd('x2', 'UID FETCH 1:* (FLAGS)')).toBe('x2 OK FETCH completed\r\n');
    expect(await c.cmd('x3', 'UID FETCH * (UID FLAGS BODY.PEEK[HEADER])')).toBe('x3 OK FETCH completed\r\n');
    expect(await c.cmd('x4', 'UID STORE 1:* +FLAGS (\\Seen)')).toBe('x4 OK STORE completed\r\n');
    expect(await c.cmd('x5', 'UID SEARCH UID 1:*')).toBe('* SEARCH\r\nx5 OK SEARCH completed\r\n');
    expect(await c.cmd('x6', 'UID SEARCH RETURN (ALL COUNT) 1:*')).toBe('* ESEARCH (TAG "x6") UID COUNT 0\r\nx6 OK SEARCH completed\r\n');
    expect(await c.cmd('x7', 'UID COPY 1:* Trash')).toBe('x7 OK COPY completed (nothing to do)\r\n');
    expect(await c.cmd('x8', 'UID MOVE * Trash')).toBe('x8 OK MOVE completed (nothing to do)\r\n');
    expect(await c.cmd('x9', 'UID EXPUNGE 1:*')).toBe('x9 OK EXPUNGE completed\r\n');
    // nothing to copy, but the destination is still checked: the client learns to CREATE it
    expect(await c.cmd('xa', 'UID COPY 1:* Nowhere')).toMatch(/^xa NO \[TRYCREATE\] /);
    expect(await c.cmd('xb', 'UID MOVE 1:* Nowhere')).toMatch(/^xb NO \[TRYCREATE\] /);
  });

  it('message sequence numbers must exist: BAD for `*`, as the RFC asks; the session goes on', async () => {
    const { c } = await login();
    await c.cmd('y0', 'SELECT INBOX');
    expect(await c.cmd('y1', 'FETCH 1:* FLAGS')).toBe('y1 BAD the mailbox is empty\r\n');
    expect(await c.cmd('y2', 'STORE * +FLAGS (\\Seen)')).toBe('y2 BAD the mailbox is empty\r\n');
    // a SEARCH sequence set is a criterion, not a target: nothing matches
    expect(await c.cmd('y3', 'SEARCH 1:*')).toBe('* SEARCH\r\ny3 OK SEARCH completed\r\n');
    await append(c, 'INBOX', msg('first'));
    expect(await c.cmd('y4', 'FETCH 1:* FLAGS')).toMatch(/^\* 1 FETCH \(FLAGS \([^)]*\)\)\r\ny4 OK FETCH completed\r\n$/);
  });
});

describe('LSUB (RFC 3501 §6.3.9)', () => {
  it('lists subscribed names that do not exist (\\Noselect), and % gives an unsubscribed parent as \\Noselect', async () => {
    const { c } = await login();
    await c.cmd('u0', 'CREATE Gone');
    await c.cmd('u1', 'SUBSCRIBE Gone');
    await c.cmd('u2', 'DELETE Gone');
    await c.cmd('u3', 'SUBSCRIBE Never');
    await c.cmd('u4', 'CREATE Lists/Weekly');
    await c.cmd('u5', 'SUBSCRIBE Lists/Weekly');
    await c.cmd('u6', 'SUBSCRIBE INBOX');
    expect(await c.cmd('u7', 'LSUB "" *')).toBe(
      '* LSUB (\\HasNoChildren) "/" INBOX\r\n* LSUB (\\Noselect \\HasNoChildren) "/" Gone\r\n* LSUB (\\HasNoChildren) "/" Lists/Weekly\r\n' +
        '* LSUB (\\Noselect \\HasNoChildren) "/" Never\r\nu7 OK LSUB completed\r\n',
    );
    expect(await c.cmd('u8', 'LSUB "" %')).toBe(
      '* LSUB (\\HasNoChildren) "/" INBOX\r\n* LSUB (\\Noselect \\HasNoChildren) "/" Gone\r\n* LSUB (\\Noselect \\HasChildren) "/" Lists\r\n' +
        '* LSUB (\\Noselect \\HasNoChildren) "/" Never\r\nu8 OK LSUB completed\r\n',
    );
    expect(await c.cmd('u9', 'LSUB Lists/ %')).toBe('* LSUB (\\HasNoChildren) "/" Lists/Weekly\r\nu9 OK LSUB completed\r\n');
    expect(await c.cmd('v0', 'LIST "" *')).not.toMatch(/Gone|Never/);
    await c.cmd('v1', 'UNSUBSCRIBE Gone');
    expect(await c.cmd('v2', 'LSUB "" G*')).toBe('v2 OK LSUB completed\r\n');
  });
});

describe('SEARCH on undeclared 8-bit text (RFC 3501 §6.4.4)', () => {
  it('takes 8-bit headers and bodies as UTF-8, bytes that are not UTF-8 as latin1', async () => {
    const { c } = await login();
    const raw = Buffer.concat([
      Buffer.from('From: Jürgen <j@example.test>\r\nSubject: Grüße aus Köln\r\n\r\nDie Straße '),
      Buffer.from([0xff]), // one stray byte must not turn the whole body into latin1
      Buffer.from(' ist gesperrt. Stra'),
      Buffer.from([0xdf]), // latin1 ß
      Buffer.from('enbahn\r\n'),
    ]);
    await append(c, 'INBOX', raw);
    await append(c, 'INBOX', msg('plain'));
    await c.cmd('s0', 'SELECT INBOX');
    expect(await c.cmd('t1', 'SEARCH SUBJECT "GRÜSSE"')).toBe('* SEARCH\r\nt1 OK SEARCH completed\r\n'); // ß is not SS
    expect(await c.cmd('t2', 'SEARCH SUBJECT "grüße aus köln"')).toBe('* SEARCH 1\r\nt2 OK SEARCH completed\r\n');
    expect(await c.cmd('t3', 'SEARCH FROM "JÜRGEN"')).toBe('* SEARCH 1\r\nt3 OK SEARCH completed\r\n');
    expect(await c.cmd('t4', 'SEARCH BODY "die straße"')).toBe('* SEARCH 1\r\nt4 OK SEARCH completed\r\n');
    expect(await c.cmd('t5', 'SEARCH BODY "straßenbahn"')).toBe('* SEARCH 1\r\nt5 OK SEARCH completed\r\n');
    c.send(`t6 SEARCH CHARSET UTF-8 TEXT {${Buffer.byteLength('köln')}}\r\n`);
    expect(await c.read((b) => b.endsWith('\r\n'))).toBe('+ go ahead\r\n');
    c.send('köln\r\n');
    expect(await c.until('t6')).toBe('* SEARCH 1\r\nt6 OK SEARCH completed\r\n');
  });
});
