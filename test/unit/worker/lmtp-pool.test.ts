/**
 * LmtpPool against a real LMTP listener (smtp-server, lmtp: true, over TCP): one reply per
 * recipient, connections reused up to the limit, each logged in with fresh credentials, and a
 * connection the server dropped while idle is replaced without failing the send.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { LmtpPool } from '../../../worker/delivery/lmtp-pool.ts';
import { outcomesOf } from '../../../worker/delivery/smtp-client.ts';

let server: SMTPServer;
let port = 0;
const logins: string[] = [];
const delivered: string[] = [];

beforeAll(async () => {
  server = new SMTPServer({
    lmtp: true,
    logger: false,
    disableReverseLookup: true,
    disabledCommands: ['STARTTLS'],
    authMethods: ['PLAIN'],
    allowInsecureAuth: true,
    onAuth(auth, _s, cb) {
      logins.push(`${auth.username}:${auth.password}`);
      if (auth.password === 'refused') return cb(Object.assign(new Error('peer authentication failed'), { responseCode: 535 }));
      cb(null, { user: auth.username });
    },
    onRcptTo(addr, _s, cb) {
      cb(addr.address.startsWith('full@') ? Object.assign(new Error('mailbox full'), { responseCode: 552 }) : undefined);
    },
    onData(stream, session, cb) {
      stream.resume();
      stream.on('end', () => {
        for (const r of session.envelope.rcptTo) delivered.push(r.address);
        cb(null, session.envelope.rcptTo.map(() => '2.0.0 stored') as unknown as string);
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

let n = 0;
const pool = (max = 2, idleMs = 20_000) => new LmtpPool({ host: '127.0.0.1', port, name: 'mail-9', credentials: () => ({ user: 'peer:mail-9', pass: `token-${++n}` }), maxConnections: max, idleMs });
const message = Buffer.from('Subject: t\r\n\r\nhello\r\n');

describe('LmtpPool', () => {
  it('answers per recipient: one stored, one refused for good', async () => {
    const p = pool();
    const out = await outcomesOf('holder lmtp', ['a@x.test', 'full@x.test'], p.send('s@remote.test', ['a@x.test', 'full@x.test'], message));
    expect(out).toEqual([
      { address: 'a@x.test', ok: true },
      { address: 'full@x.test', ok: false, permanent: true, reply: expect.stringMatching(/^552 /) },
    ]);
    p.close();
  });

  it('a refused peer login (535) is a temporary outcome: the message is kept for a retry, never bounced', async () => {
    const p = new LmtpPool({ host: '127.0.0.1', port, name: 'mail-9', credentials: () => ({ user: 'peer:mail-9', pass: 'refused' }), maxConnections: 1 });
    const out = await outcomesOf('holder lmtp', ['a@x.test'], p.send('s@remote.test', ['a@x.test'], message));
    expect(out).toEqual([{ address: 'a@x.test', ok: false, permanent: false, reply: expect.stringMatching(/^451 4\.4\.1 /) }]);
    p.close();
  });

  it('reuses at most maxConnections connections, each logged in with its own credentials', async () => {
    const before = logins.length;
    const p = pool(2);
    delivered.length = 0;
    await Promise.all(Array.from({ length: 20 }, (_, i) => p.send('s@remote.test', [`r${i}@x.test`], message)));
    expect(delivered.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `r${i}@x.test`).sort());
    const mine = logins.slice(before);
    expect(mine.length).toBe(2);
    expect(new Set(mine).size).toBe(2);
    p.close();
  });

  it('replaces a connection the holder closed while it was idle, without failing the send', async () => {
    const p = pool(1);
    await p.send('s@remote.test', ['first@x.test'], message);
    const before = logins.length;
    // the server drops every connection (as smtp-server does on its idle timeout or shutdown)
    for (const c of (server as unknown as { connections: Set<{ close(): void }> }).connections) c.close();
    await new Promise((r) => setTimeout(r, 50));
    const out = await outcomesOf('holder lmtp', ['second@x.test'], p.send('s@remote.test', ['second@x.test'], message));
    expect(out).toEqual([{ address: 'second@x.test', ok: true }]);
    expect(logins.length).toBe(before + 1);
    p.close();
  });

  it('a holder that is not listening is a temporary connection failure', async () => {
    const p = new LmtpPool({ host: '127.0.0.1', port: 1, name: 'mail-9', credentials: () => ({ user: 'u', pass: 'p' }), timeoutMs: 500 });
    const out = await outcomesOf('holder lmtp', ['a@x.test'], p.send('s@remote.test', ['a@x.test'], message));
    expect(out).toEqual([{ address: 'a@x.test', ok: false, permanent: false, reply: expect.stringMatching(/^451 4\.4\.1 holder lmtp: /) }]);
    p.close();
  });
});
