/**
 * CONDSTORE and QRESYNC transcripts (RFC 7162, by section) over real TCP against the protocol core
 * on the memory store. Every test has its own account, seeded through the store before any
 * session opens it, so no message is \Recent and modseqs are known: a new folder starts at
 * HIGHESTMODSEQ 1 and each append takes the next one (messages 1, 2, 3 have modseqs 2, 3, 4).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/storage/memory/store.ts';
import { parseAccount } from '../../src/util/account.ts';
import { RawImap, startImap } from '../harness/imap.ts';

const store = new MemoryStore();
const users: Record<string, string> = {};
let srv: Awaited<ReturnType<typeof startImap>>;
const clients: RawImap[] = [];
let n = 0;
const msg = (s: string): Buffer => Buffer.from(`Subject: ${s}\r\n\r\nbody ${s}\r\n`);

/** A fresh account holding `count` messages, and a function that logs a new session in to it. */
async function account(count = 3): Promise<{ user: string; login: () => Promise<RawImap> }> {
  const user = `cs${++n}@example.test`;
  users[user] = 'pw';
  const a = await store.openAccount(parseAccount(user));
  for (let i = 1; i <= count; i++) await a.appendMessage('INBOX', msg(`m${i}`));
  await a.close();
  return {
    user,
    login: async () => {
      const c = await RawImap.open(srv.port);
      clients.push(c);
      expect(await c.cmd('l', `LOGIN ${user} pw`)).toMatch(/^l OK /);
      return c;
    },
  };
}
const uidValidity = async (user: string): Promise<number> => (await (await store.openAccount(parseAccount(user))).status('INBOX')).uidValidity;

beforeAll(async () => {
  srv = await startImap(store, users);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await srv.server.close();
});

describe('RFC 7162 §3.1 CONDSTORE', () => {
  it('is advertised; ENABLE turns it on once (RFC 5161 §3.1), QRESYNC implies it (§3.2.3)', async () => {
    const c = await (await account(0)).login();
    expect(await c.cmd('a', 'CAPABILITY')).toMatch(/ CONDSTORE QRESYNC[ \r]/);
    expect(await c.cmd('b', 'ENABLE CONDSTORE X-OTHER')).toBe('* ENABLED CONDSTORE\r\nb OK ENABLE completed\r\n');
    expect(await c.cmd('c', 'ENABLE CONDSTORE')).toBe('* ENABLED\r\nc OK ENABLE completed\r\n');
    expect(await c.cmd('d', 'ENABLE QRESYNC')).toBe('* ENABLED QRESYNC\r\nd OK ENABLE completed\r\n');
  });

  it('§3.1.2.1 / §3.1.8: HIGHESTMODSEQ on SELECT (CONDSTORE), and on every SELECT after; STATUS HIGHESTMODSEQ (§3.1.6)', async () => {
    const c = await (await account()).login();
    expect(await c.cmd('a', 'SELECT INBOX')).not.toContain('HIGHESTMODSEQ');
    expect(await c.cmd('b', 'STATUS INBOX (MESSAGES HIGHESTMODSEQ)')).toBe('* OK [HIGHESTMODSEQ 4] highest modseq\r\n* STATUS INBOX (MESSAGES 3 HIGHESTMODSEQ 4)\r\nb OK STATUS completed\r\n');
    expect(await c.cmd('c', 'EXAMINE INBOX (CONDSTORE)')).toContain('* OK [HIGHESTMODSEQ 4] highest modseq\r\n');
    expect(await c.cmd('d', 'SELECT INBOX')).toContain('* OK [HIGHESTMODSEQ 4]');
  });

  it('§3.1.4: FETCH MODSEQ, and FETCH (CHANGEDSINCE) returns only what changed, with MODSEQ', async () => {
    const c = await (await account()).login();
    await c.cmd('a', 'SELECT INBOX');
    expect(await c.cmd('b', 'FETCH 1:* (FLAGS MODSEQ)')).toBe(
      '* OK [HIGHESTMODSEQ 4] highest modseq\r\n* 1 FETCH (FLAGS () MODSEQ (2))\r\n* 2 FETCH (FLAGS () MODSEQ (3))\r\n* 3 FETCH (FLAGS () MODSEQ (4))\r\nb OK FETCH completed\r\n',
    );
    expect(await c.cmd('c', 'STORE 2 +FLAGS (\\Flagged)')).toBe('* 2 FETCH (FLAGS (\\Flagged) MODSEQ (5))\r\nc OK STORE completed\r\n');
    expect(await c.cmd('d', 'UID FETCH 1:* (FLAGS) (CHANGEDSINCE 3)')).toBe(
      '* 2 FETCH (UID 2 FLAGS (\\Flagged) MODSEQ (5))\r\n* 3 FETCH (UID 3 FLAGS () MODSEQ (4))\r\nd OK FETCH completed\r\n',
    );
    expect(await c.cmd('e', 'FETCH 1:* (FLAGS) (CHANGEDSINCE 5)')).toBe('e OK FETCH completed\r\n');
    // BODY[] sets \Seen: a new modseq, reported with the FLAGS it changed
    expect(await c.cmd('f', 'FETCH 1 (BODY[TEXT])')).toBe('* 1 FETCH (BODY[TEXT] {9}\r\nbody m1\r\n FLAGS (\\Seen) MODSEQ (6))\r\nf OK FETCH completed\r\n');
  });

  it('§3.1.3: STORE (UNCHANGEDSINCE) changes what is unchanged and names the rest in [MODIFIED]', async () => {
    const c = await (await account()).login();
    await c.cmd('a', 'SELECT INBOX (CONDSTORE)');
    expect(await c.cmd('b', 'STORE 1 +FLAGS (\\Seen)')).toBe('* 1 FETCH (FLAGS (\\Seen) MODSEQ (5))\r\nb OK STORE completed\r\n');
    // message 1 is at 5 now, 2 and 3 at 3 and 4: UNCHANGEDSINCE 4 leaves 1 alone
    expect(await c.cmd('c', 'STORE 1:3 (UNCHANGEDSINCE 4) +FLAGS (\\Deleted)')).toBe(
      '* 2 FETCH (FLAGS (\\Deleted) MODSEQ (6))\r\n* 3 FETCH (FLAGS (\\Deleted) MODSEQ (6))\r\nc OK [MODIFIED 1] Conditional STORE failed\r\n',
    );
    expect(await c.cmd('d', 'UID STORE 1:3 (UNCHANGEDSINCE 0) +FLAGS (\\Answered)')).toBe('d OK [MODIFIED 1:3] Conditional STORE failed\r\n');
    expect(await c.cmd('e', 'FETCH 1 FLAGS')).toBe('* 1 FETCH (FLAGS (\\Seen))\r\ne OK FETCH completed\r\n');
    // .SILENT still tells a CONDSTORE client the new modseq; flags that do not change cost none
    expect(await c.cmd('f', 'UID STORE 1 +FLAGS.SILENT (\\Flagged)')).toBe('* 1 FETCH (UID 1 MODSEQ (7))\r\nf OK STORE completed\r\n');
    expect(await c.cmd('g', 'UID STORE 1 +FLAGS.SILENT (\\Flagged)')).toBe('g OK STORE completed\r\n');
  });

  it('§3.1.5: SEARCH MODSEQ, with the highest matched modseq in SEARCH and ESEARCH', async () => {
    const c = await (await account()).login();
    await c.cmd('a', 'SELECT INBOX');
    expect(await c.cmd('b', 'SEARCH MODSEQ 3')).toBe('* OK [HIGHESTMODSEQ 4] highest modseq\r\n* SEARCH 2 3 (MODSEQ 4)\r\nb OK SEARCH completed\r\n');
    expect(await c.cmd('c', 'UID SEARCH MODSEQ "/flags/\\\\draft" all 4')).toBe('* SEARCH 3 (MODSEQ 4)\r\nc OK SEARCH completed\r\n');
    expect(await c.cmd('d', 'SEARCH MODSEQ 99')).toBe('* SEARCH\r\nd OK SEARCH completed\r\n');
    expect(await c.cmd('e', 'SEARCH RETURN (COUNT) MODSEQ 2')).toBe('* ESEARCH (TAG "e") COUNT 3 MODSEQ 4\r\ne OK SEARCH completed\r\n');
  });

  it('§3.1: the first CONDSTORE-enabling command in the selected state reports HIGHESTMODSEQ once', async () => {
    const c = await (await account()).login();
    await c.cmd('a', 'SELECT INBOX');
    expect(await c.cmd('b', 'FETCH 1 (FLAGS MODSEQ)')).toBe('* OK [HIGHESTMODSEQ 4] highest modseq\r\n* 1 FETCH (FLAGS () MODSEQ (2))\r\nb OK FETCH completed\r\n');
    expect(await c.cmd('c', 'FETCH 2 (MODSEQ)')).toBe('* 2 FETCH (MODSEQ (3))\r\nc OK FETCH completed\r\n');
    expect(await c.cmd('d', 'ENABLE CONDSTORE')).toBe('* ENABLED\r\nd OK ENABLE completed\r\n');
  });

  it('another session\'s flag change reaches a CONDSTORE session with its MODSEQ', async () => {
    const acct = await account();
    const a = await acct.login();
    const b = await acct.login();
    await a.cmd('a1', 'SELECT INBOX');
    await b.cmd('b1', 'SELECT INBOX (CONDSTORE)');
    await a.cmd('a2', 'STORE 3 +FLAGS.SILENT (\\Answered)');
    expect(await b.cmd('b2', 'NOOP')).toBe('* 3 FETCH (UID 3 FLAGS (\\Answered) MODSEQ (5))\r\nb2 OK NOOP completed\r\n');
  });
});

describe('RFC 7162 §3.2 QRESYNC', () => {
  it('§3.2.5: SELECT (QRESYNC) needs ENABLE QRESYNC first', async () => {
    const acct = await account();
    const c = await acct.login();
    expect(await c.cmd('a', `SELECT INBOX (QRESYNC (${await uidValidity(acct.user)} 1))`)).toMatch(/^a BAD /);
  });

  it('§3.2.5: SELECT (QRESYNC) reports what vanished and what changed since the client\'s modseq', async () => {
    const acct = await account(5);
    const v = await uidValidity(acct.user);
    const a = await acct.login();
    await a.cmd('a1', 'SELECT INBOX');
    await a.cmd('a2', 'UID STORE 2,4 +FLAGS.SILENT (\\Deleted)'); // modseq 7
    await a.cmd('a3', 'EXPUNGE'); // 8
    await a.cmd('a4', 'UID STORE 5 +FLAGS.SILENT (\\Seen)'); // 9
    const c = await acct.login();
    await c.cmd('b0', 'ENABLE QRESYNC');
    const sel = await c.cmd('b1', `SELECT INBOX (QRESYNC (${v} 6))`);
    expect(sel).toContain('* OK [HIGHESTMODSEQ 9]');
    expect(sel.slice(sel.indexOf('[HIGHESTMODSEQ'))).toMatch(/^\[HIGHESTMODSEQ 9\] highest modseq\r\n\* VANISHED \(EARLIER\) 2,4\r\n\* 3 FETCH \(UID 5 FLAGS \(\\Seen\) MODSEQ \(9\)\)\r\nb1 OK \[READ-WRITE\] SELECT completed\r\n$/);
    // known-uids limits both (§3.2.5); a wrong UIDVALIDITY gets neither
    const known = await c.cmd('b2', `EXAMINE INBOX (QRESYNC (${v} 6 1:3))`);
    expect(known).toContain('* VANISHED (EARLIER) 2\r\n');
    expect(known).not.toContain('FETCH');
    const stale = await c.cmd('b3', `EXAMINE INBOX (QRESYNC (${v + 1} 6 1:5 (1:3 1:5)))`);
    expect(stale).not.toMatch(/VANISHED|FETCH/);
    expect(stale).toContain('* OK [CLOSED]');
  });

  it('§3.2.10: after ENABLE QRESYNC expunges are VANISHED, for this session\'s EXPUNGE and for another\'s', async () => {
    const acct = await account(4);
    const a = await acct.login();
    const b = await acct.login();
    await a.cmd('a0', 'ENABLE QRESYNC');
    await a.cmd('a1', 'SELECT INBOX');
    await b.cmd('b1', 'SELECT INBOX');
    await a.cmd('a2', 'STORE 1:2 +FLAGS.SILENT (\\Deleted)');
    expect(await a.cmd('a3', 'EXPUNGE')).toBe('* VANISHED 1:2\r\na3 OK EXPUNGE completed\r\n');
    // the other session never enabled QRESYNC: it gets EXPUNGE, highest first
    const other = await b.cmd('b2', 'NOOP');
    expect(other).toMatch(/\* 2 EXPUNGE\r\n\* 1 EXPUNGE\r\nb2 OK NOOP completed\r\n$/);
    expect(other).not.toContain('VANISHED');
    await b.cmd('b3', 'UID STORE 4 +FLAGS.SILENT (\\Deleted)');
    await b.cmd('b4', 'EXPUNGE');
    expect(await a.cmd('a4', 'NOOP')).toMatch(/\* VANISHED 4\r\na4 OK NOOP completed\r\n$/);
  });

  it('§3.2.6: UID FETCH (CHANGEDSINCE n VANISHED) sends VANISHED (EARLIER) for the set first; BAD without QRESYNC', async () => {
    const acct = await account(4);
    const c = await acct.login();
    await c.cmd('a1', 'SELECT INBOX');
    expect(await c.cmd('a2', 'UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)')).toMatch(/^a2 BAD /);
    await c.cmd('a3', 'UID STORE 3 +FLAGS.SILENT (\\Deleted)'); // 6
    await c.cmd('a4', 'UID EXPUNGE 3'); // 7
    await c.cmd('a5', 'UID STORE 4 +FLAGS.SILENT (\\Seen)'); // 8
    const d = await acct.login();
    await d.cmd('b0', 'ENABLE QRESYNC');
    await d.cmd('b1', 'SELECT INBOX');
    expect(await d.cmd('b2', 'UID FETCH 1:* (FLAGS) (CHANGEDSINCE 5 VANISHED)')).toBe(
      '* VANISHED (EARLIER) 3\r\n* 3 FETCH (UID 4 FLAGS (\\Seen) MODSEQ (8))\r\nb2 OK FETCH completed\r\n',
    );
    expect(await d.cmd('b3', 'UID FETCH 1:2 (FLAGS) (CHANGEDSINCE 5 VANISHED)')).toBe('b3 OK FETCH completed\r\n');
  });
});
