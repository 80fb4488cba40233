/**
 * IMAP sessions side by side, over real TCP on the memory store: what one session sees of another
 * session's changes and of deliveries (RFC 3501 §5.2, §7.4.1 — sequence numbers stay consistent
 * per session, expunges are never announced during FETCH / STORE / SEARCH), and the server-side
 * ends of a session: closeAccount, the idle timeout (not in IDLE), the line limit, shutdown.
 * \Recent goes to the first session that learns of a message, and to no other (RFC 3501 §2.3.2).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoginRoute } from '../../src/protocol/imap/server/hooks.ts';
import { MemoryStore } from '../../src/storage/memory/store.ts';
import { RawImap, startImap } from '../harness/imap.ts';

const USERS = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`s${i}@example.test`, 'secret-pass']));
let srv: Awaited<ReturnType<typeof startImap>>;
const clients: RawImap[] = [];
let nextUser = 0;

async function pair(): Promise<[RawImap, RawImap, string]> {
  const user = `s${nextUser++}@example.test`;
  const out: RawImap[] = [];
  for (let i = 0; i < 2; i++) {
    const c = await RawImap.open(srv.port);
    clients.push(c);
    expect(await c.cmd('l', `LOGIN ${user} secret-pass`)).toMatch(/^l OK /);
    out.push(c);
  }
  return [out[0]!, out[1]!, user];
}
const msg = (subject: string): string => `From: a@example.test\r\nSubject: ${subject}\r\n\r\nbody\r\n`;
async function append(c: RawImap, m: string, flags = ''): Promise<void> {
  expect(await c.cmd('ap', `APPEND INBOX ${flags}{${m.length}+}\r\n${m}`)).toMatch(/^ap OK /);
}
const closed = (c: RawImap): Promise<void> => new Promise((r) => (c.socket.destroyed ? r() : c.socket.once('close', () => r())));

beforeAll(async () => {
  srv = await startImap(new MemoryStore(), USERS);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await srv.server.close();
});

describe('changes by other sessions', () => {
  it('flag changes arrive as FETCH (UID FLAGS) at the next command, even during FETCH', async () => {
    const [a, b] = await pair();
    await append(a, msg('one'));
    await append(a, msg('two'));
    await a.cmd('a1', 'SELECT INBOX');
    await b.cmd('b1', 'SELECT INBOX');
    await b.cmd('b2', 'STORE 2 +FLAGS.SILENT (\\Flagged)');
    expect(await a.cmd('a2', 'FETCH 1 UID')).toBe('* 1 FETCH (UID 1)\r\n* 2 FETCH (UID 2 FLAGS (\\Flagged \\Recent))\r\na2 OK FETCH completed\r\n');
    expect(await a.cmd('a3', 'NOOP')).toBe('a3 OK NOOP completed\r\n'); // said once only
    // A selected first, so the messages are \Recent to A only; EXAMINE takes \Recent from nobody
    expect(await b.cmd('b3', 'FETCH 1:2 FLAGS')).toBe('* 1 FETCH (FLAGS ())\r\n* 2 FETCH (FLAGS (\\Flagged))\r\nb3 OK FETCH completed\r\n');
  });

  it('EXAMINE shows \\Recent without taking it from the session that selects next', async () => {
    const [a, b] = await pair();
    await append(a, msg('new'));
    expect(await a.cmd('a1', 'EXAMINE INBOX')).toContain('* 1 RECENT\r\n');
    expect(await b.cmd('b1', 'SELECT INBOX')).toContain('* 1 RECENT\r\n');
    expect(await a.cmd('a2', 'EXAMINE INBOX')).toContain('* 0 RECENT\r\n');
  });

  it('an expunge by another session is held during FETCH, STORE and SEARCH; numbers stay consistent until NOOP', async () => {
    const [a, b] = await pair();
    for (const s of ['m1', 'm2', 'm3']) await append(a, msg(s));
    await a.cmd('a1', 'SELECT INBOX');
    await b.cmd('b1', 'SELECT INBOX');
    await b.cmd('b2', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
    expect(await b.cmd('b3', 'EXPUNGE')).toBe('* 1 EXPUNGE\r\nb3 OK EXPUNGE completed\r\n');
    // to A, message 3 is still UID 3 and message 1 still exists in its numbering
    // (B's flag change is news to A and may be sent during FETCH; the expunge may not)
    expect(await a.cmd('a2', 'FETCH 3 UID')).toBe('* 3 FETCH (UID 3)\r\n* 1 FETCH (UID 1 FLAGS (\\Deleted \\Recent))\r\na2 OK FETCH completed\r\n');
    expect(await a.cmd('a3', 'STORE 2 +FLAGS (\\Seen)')).toBe('* 2 FETCH (FLAGS (\\Seen \\Recent))\r\na3 OK STORE completed\r\n');
    expect(await a.cmd('a4', 'SEARCH ALL')).toBe('* SEARCH 1 2 3\r\na4 OK SEARCH completed\r\n');
    expect(await a.cmd('a5', 'NOOP')).toBe('* 1 EXPUNGE\r\na5 OK NOOP completed\r\n');
    expect(await a.cmd('a6', 'FETCH 1:* UID')).toBe('* 1 FETCH (UID 2)\r\n* 2 FETCH (UID 3)\r\na6 OK FETCH completed\r\n');
  });

  it('new messages from another session: EXISTS at the next command; expunges during IDLE at once', async () => {
    const [a, b] = await pair();
    await append(a, msg('first'));
    await a.cmd('a1', 'SELECT INBOX');
    await append(b, msg('second'));
    expect(await a.cmd('a2', 'FETCH 1 UID')).toBe('* 1 FETCH (UID 1)\r\n* 2 EXISTS\r\n* 2 RECENT\r\na2 OK FETCH completed\r\n');
    a.send('a3 IDLE\r\n');
    expect(await a.read((x) => x.endsWith('\r\n'))).toBe('+ idling\r\n');
    await b.cmd('b1', 'SELECT INBOX');
    await b.cmd('b2', 'UID STORE 1 +FLAGS.SILENT (\\Deleted)');
    await b.cmd('b3', 'UID EXPUNGE 1');
    expect(await a.read((x) => x.includes('EXPUNGE\r\n'))).toBe('* 1 FETCH (UID 1 FLAGS (\\Deleted \\Recent))\r\n* 1 EXPUNGE\r\n');
    a.send('DONE\r\n');
    expect(await a.until('a3')).toBe('a3 OK IDLE terminated\r\n');
  });

  it('a delivery announced through the hooks wakes IDLE with EXISTS', async () => {
    const [a, , user] = await pair();
    await a.cmd('a1', 'SELECT INBOX');
    a.send('a2 IDLE\r\n');
    await a.read((x) => x.endsWith('\r\n'));
    const { store, release } = await srv.hooks.registry.acquire(user);
    await store.appendMessage('INBOX', Buffer.from(msg('delivered')));
    release();
    srv.hooks.delivered(user);
    expect(await a.read((x) => x.includes('RECENT\r\n'))).toMatch(/^\* 1 EXISTS\r\n\* \d RECENT\r\n$/);
    a.send('DONE\r\n');
    await a.until('a2');
  });

  it('a mailbox deleted by another session ends the sessions that have it selected', async () => {
    const [a, b] = await pair();
    await a.cmd('a0', 'CREATE Doomed');
    await a.cmd('a1', 'SELECT Doomed');
    expect(await b.cmd('b1', 'DELETE Doomed')).toBe('b1 OK DELETE completed\r\n');
    a.send('a2 NOOP\r\n');
    expect(await a.read((x) => x.includes('\r\n'))).toBe('* BYE the selected mailbox was deleted or renamed by another session\r\n');
    await closed(a);
  });
});

describe('server side ends of a session', () => {
  it('closeAccount sends BYE with the reason to that account only; sessionCount follows', async () => {
    const [a, b, user] = await pair();
    const [other] = await pair();
    const before = srv.server.sessions().imap;
    expect(srv.server.closeAccount(user, 'your mailbox moved to another server; please reconnect')).toBe(2);
    for (const c of [a, b]) {
      expect(await c.read((x) => x.includes('\r\n'))).toBe('* BYE your mailbox moved to another server; please reconnect\r\n');
      await closed(c);
    }
    expect(await other.cmd('o1', 'NOOP')).toBe('o1 OK NOOP completed\r\n');
    await new Promise((r) => setTimeout(r, 20));
    expect(srv.server.sessions().imap).toBe(before - 2);
  });

  it('an overlong line is BAD and the session goes on; too many of them end it', async () => {
    const [a] = await pair();
    expect(await a.cmd('x1', `SEARCH TEXT ${'y'.repeat(9000)}`)).toBe('x1 BAD Line too long\r\n');
    expect(await a.cmd('x2', 'NOOP')).toBe('x2 OK NOOP completed\r\n');
    for (let i = 3; i < 6; i++) expect(await a.cmd(`x${i}`, `NOOP ${'y'.repeat(9000)}`)).toBe(`x${i} BAD Line too long\r\n`);
    a.send(`x6 NOOP ${'y'.repeat(9000)}\r\n`); // the fifth bad line ends the session
    expect(await a.read((x) => x.includes('* BYE'))).toBe('x6 BAD Line too long\r\n* BYE too many bad commands\r\n');
  });
});

describe('where a login runs (routeLogin)', () => {
  it('a route that is unavailable, or a proxy on a server without peer credentials, is NO [UNAVAILABLE] and the client may retry', async () => {
    const routes = new Map<string, LoginRoute>([
      ['busy@example.test', { kind: 'unavailable', reason: 'mailbox not available now; please retry' }],
      ['elsewhere@example.test', { kind: 'proxy', host: '127.0.0.1', port: 1, node: 'mail-9', lease: '1' }],
    ]);
    const users = { 'busy@example.test': 'secret-pass', 'elsewhere@example.test': 'secret-pass', 'here@example.test': 'secret-pass' };
    const routed = await startImap(new MemoryStore(), users, { routeLogin: async (a) => routes.get(a) ?? { kind: 'local' } });
    try {
      const c = await RawImap.open(routed.port);
      clients.push(c);
      expect(await c.cmd('r1', 'LOGIN busy@example.test secret-pass')).toBe('r1 NO [UNAVAILABLE] mailbox not available now; please retry\r\n');
      expect(await c.cmd('r2', 'LOGIN elsewhere@example.test secret-pass')).toMatch(/^r2 NO \[UNAVAILABLE\] /);
      expect(await c.cmd('r3', 'LOGIN here@example.test secret-pass')).toMatch(/^r3 OK /);
      expect(routed.server.sessionCount()).toBe(1);
    } finally {
      await routed.server.close();
    }
  });
});

describe('idle timeout', () => {
  it('a silent session is logged out; one in IDLE is not', async () => {
    const short = await startImap(new MemoryStore(), { 't@example.test': 'secret-pass' }, { idleTimeoutMs: 300 });
    try {
      const quiet = await RawImap.open(short.port);
      const idler = await RawImap.open(short.port);
      clients.push(quiet, idler);
      await idler.cmd('l', 'LOGIN t@example.test secret-pass');
      await idler.cmd('s', 'SELECT INBOX');
      idler.send('i IDLE\r\n');
      await idler.read((x) => x.endsWith('\r\n'));
      expect(await quiet.read((x) => x.includes('BYE'), 3000)).toBe('* BYE autologout: idle for too long\r\n');
      await closed(quiet);
      await new Promise((r) => setTimeout(r, 400));
      idler.send('DONE\r\n');
      expect(await idler.until('i')).toBe('i OK IDLE terminated\r\n');
    } finally {
      await short.server.close();
    }
  });

  it('server shutdown says BYE to every session', async () => {
    const s2 = await startImap(new MemoryStore(), { 't@example.test': 'secret-pass' });
    const c = await RawImap.open(s2.port);
    clients.push(c);
    const done = s2.server.close();
    expect(await c.read((x) => x.includes('BYE'))).toBe('* BYE server shutting down\r\n');
    await done;
  });
});
