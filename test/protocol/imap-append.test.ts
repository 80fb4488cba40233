/**
 * APPEND extensions over real TCP against the protocol core on the maildir store (real disk):
 * MULTIAPPEND (RFC 3502), then BINARY (RFC 3516) and CATENATE (RFC 4469) — exact client bytes,
 * exact replies, and what is on disk afterwards.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MaildirStore } from '../../src/storage/maildir/store.ts';
import { parseAccount } from '../../src/util/account.ts';
import { RawImap, startImap } from '../harness/imap.ts';

const root = mkdtempSync(join(tmpdir(), 'mailcluster-append-'));
const store = new MaildirStore({ root });
const MAX_LITERAL = 4096;
let srv: Awaited<ReturnType<typeof startImap>>;
const clients: RawImap[] = [];
let users = 0;
/** A fresh account, logged in. */
async function login(): Promise<{ c: RawImap; user: string }> {
  const user = `u${++users}@example.test`;
  const c = await RawImap.open(srv.port);
  clients.push(c);
  expect(await c.cmd('l', `LOGIN ${user} secret-pass`)).toMatch(/^l OK /);
  return { c, user };
}
const msg = (subject: string, body = 'hello'): string => `From: bob@example.test\r\nSubject: ${subject}\r\n\r\n${body}\r\n`;
const curFiles = (user: string, folder = ''): string[] => readdirSync(join(store.accountDir(parseAccount(user)), folder, 'cur'));

beforeAll(async () => {
  srv = await startImap(store, new Proxy({}, { get: () => 'secret-pass' }), { maxLiteralSize: MAX_LITERAL });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await srv.server.close();
  rmSync(root, { recursive: true, force: true });
});

describe('MULTIAPPEND (RFC 3502)', () => {
  it('is advertised', async () => {
    const { c } = await login();
    expect(await c.cmd('c', 'CAPABILITY')).toMatch(/^\* CAPABILITY [^\r]* MULTIAPPEND[ \r]/);
  });

  it('§6.3.11: three messages with synchronising literals, one + each, one OK naming all UIDs', async () => {
    const { c, user } = await login();
    const [m1, m2, m3] = [msg('one'), msg('two'), msg('three')];
    c.send(`a1 APPEND INBOX (\\Seen) {${m1.length}}\r\n`);
    expect(await c.read((b) => b.endsWith('\r\n'))).toBe('+ go ahead\r\n');
    c.send(`${m1} "05-Oct-2025 08:30:00 +0200" {${m2.length}}\r\n`);
    expect(await c.read((b) => b.endsWith('\r\n'))).toBe('+ go ahead\r\n');
    c.send(`${m2} (\\Flagged $Work) {${m3.length}}\r\n`);
    expect(await c.read((b) => b.endsWith('\r\n'))).toBe('+ go ahead\r\n');
    c.send(`${m3}\r\n`);
    const ok = await c.until('a1');
    const [, validity] = /^a1 OK \[APPENDUID (\d+) 1:3\] APPEND completed\r\n$/.exec(ok) ?? [];
    expect(validity).toBeDefined();
    expect(curFiles(user)).toHaveLength(3);
    expect(await c.cmd('a2', 'SELECT INBOX')).toContain(`* OK [UIDVALIDITY ${validity}]`);
    expect(await c.cmd('a3', 'FETCH 1:3 (UID FLAGS INTERNALDATE RFC822.SIZE)')).toMatch(new RegExp(
      `^\\* 1 FETCH \\(UID 1 FLAGS \\(\\\\Seen \\\\Recent\\) INTERNALDATE "[^"]+" RFC822.SIZE ${m1.length}\\)\r\n` +
      `\\* 2 FETCH \\(UID 2 FLAGS \\(\\\\Recent\\) INTERNALDATE "05-Oct-2025 06:30:00 \\+0000" RFC822.SIZE ${m2.length}\\)\r\n` +
      `\\* 3 FETCH \\(UID 3 FLAGS \\(\\\\Flagged \\$Work \\\\Recent\\) INTERNALDATE "[^"]+" RFC822.SIZE ${m3.length}\\)\r\na3 OK`,
    ));
    expect(await c.cmd('a4', 'UID FETCH 3 BODY.PEEK[HEADER.FIELDS (SUBJECT)]')).toContain('Subject: three\r\n');
  });

  it('the selected mailbox learns of all of them at once: * n EXISTS before the OK', async () => {
    const { c } = await login();
    await c.cmd('s', 'SELECT INBOX');
    const [m1, m2] = [msg('x'), msg('y')];
    expect(await c.cmd('b1', `APPEND INBOX {${m1.length}+}\r\n${m1} {${m2.length}+}\r\n${m2}`)).toMatch(/^\* 2 EXISTS\r\n\* 2 RECENT\r\nb1 OK \[APPENDUID \d+ 1:2\] APPEND completed\r\n$/);
  });

  it('all or nothing: an empty message, a bad flag or a missing mailbox fails the command and stores none', async () => {
    const { c, user } = await login();
    const m = msg('keep');
    expect(await c.cmd('c0', `APPEND INBOX {${m.length}+}\r\n${m}`)).toMatch(/^c0 OK \[APPENDUID \d+ 1\]/);
    expect(await c.cmd('c1', `APPEND INBOX {${m.length}+}\r\n${m} {0+}\r\n`)).toBe('c1 NO [CANNOT] empty message\r\n');
    expect(await c.cmd('c2', `APPEND INBOX {${m.length}+}\r\n${m} (\\Bogus) {${m.length}+}\r\n${m}`)).toBe('c2 NO [CANNOT] invalid flag\r\n');
    expect(await c.cmd('c3', `APPEND Nope {${m.length}+}\r\n${m} {${m.length}+}\r\n${m}`)).toMatch(/^c3 NO \[TRYCREATE\]/);
    expect(await c.cmd('c4', 'STATUS INBOX (MESSAGES UIDNEXT)')).toMatch(/^\* STATUS INBOX \(MESSAGES 1 UIDNEXT 2\)\r\nc4 OK/);
    expect(curFiles(user)).toHaveLength(1);
    expect(readdirSync(join(store.accountDir(parseAccount(user)), 'tmp'))).toEqual([]);
    expect(await c.cmd('c5', `APPEND INBOX {${m.length}+}\r\n${m}`)).toMatch(/^c5 OK \[APPENDUID \d+ 2\]/); // no UID was used up
  });

  it('the quota counts all messages together: each fits, the three do not → NO [OVERQUOTA], none stored', async () => {
    const { c, user } = await login();
    const m = msg('big', 'x'.repeat(1500));
    srv.hooks.quotaBytes = 4000;
    try {
      expect(await c.cmd('q1', `APPEND INBOX {${m.length}+}\r\n${m} {${m.length}+}\r\n${m} {${m.length}+}\r\n${m}`)).toBe('q1 NO [OVERQUOTA] the messages do not fit in the quota\r\n');
      expect(curFiles(user)).toHaveLength(0);
      expect(await c.cmd('q2', `APPEND INBOX {${m.length}+}\r\n${m} {${m.length}+}\r\n${m}`)).toMatch(/^q2 OK \[APPENDUID \d+ 1:2\]/);
    } finally {
      srv.hooks.quotaBytes = 0;
    }
  });

  it('a literal over the limit in mid-command: NO [TOOBIG], the earlier messages are not stored, the session goes on', async () => {
    const { c, user } = await login();
    const m = msg('first');
    c.send(`t1 APPEND INBOX {${m.length}}\r\n`);
    expect(await c.read((b) => b.endsWith('\r\n'))).toBe('+ go ahead\r\n');
    c.send(`${m} {${MAX_LITERAL + 1}}\r\n`); // synchronising: the client sends no data without +
    expect(await c.until('t1')).toBe(`t1 NO [TOOBIG] literal too big (at most ${MAX_LITERAL} bytes)\r\n`);
    expect(await c.cmd('t2', 'STATUS INBOX (MESSAGES)')).toMatch(/\(MESSAGES 0\)\r\nt2 OK/);
    expect(curFiles(user)).toHaveLength(0);
  });
});
