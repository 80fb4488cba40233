/**
 * Per-client limits on a real 1-node cluster, from the attacker's side over loopback (Linux routes
 * all of 127/8 to lo, so a client bound to 127.0.0.2 or .3 is another address): connections per
 * address on IMAP, POP3 and SMTP; the pre-login timeout on IMAP and POP3; a flood of wrong logins
 * from one address does not slow good logins from another or SMTP delivery beyond 2x their quiet
 * medians; 50 unknown RCPT TO are tarpitted and cut at the hard error limit.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../harness/cluster.ts';
import { addAccounts, send } from '../harness/mail.ts';

let c: TestCluster;
const port = (name: string): number => Number(c.node('mail-0').env[`MAILCLUSTER_PORTS_${name}`]);
const sockets: Socket[] = [];

/** A raw line client: `next()` is the next line the server sent (rejects when it closed first). */
async function open(p: number, localAddress = '127.0.0.1'): Promise<{ s: Socket; next: () => Promise<string>; closed: Promise<void> }> {
  const s = connect({ port: p, host: '127.0.0.1', localAddress });
  sockets.push(s);
  const lines: string[] = [];
  const waiters: Array<(l: string | undefined) => void> = [];
  let buf = '';
  let ended = false;
  const closed = new Promise<void>((r) => s.once('close', () => r()));
  s.on('data', (d) => {
    buf += d.toString('latin1');
    for (let i; (i = buf.indexOf('\r\n')) >= 0; ) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const w = waiters.shift();
      if (w) w(l);
      else lines.push(l);
    }
  });
  s.on('error', () => undefined);
  s.once('close', () => {
    ended = true;
    for (const w of waiters.splice(0)) w(undefined);
  });
  await new Promise<void>((r, j) => { s.once('connect', () => r()); s.once('error', j); });
  const next = (): Promise<string> => {
    if (lines.length) return Promise.resolve(lines.shift()!);
    if (ended) return Promise.reject(new Error('closed'));
    return new Promise((r, j) => waiters.push((l) => (l === undefined ? j(new Error('closed')) : r(l))));
  };
  return { s, next, closed };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

beforeAll(async () => {
  c = await startTestCluster({
    nodes: 1,
    env: {
      MAILCLUSTER_LOG_LEVEL: 'info',
      MAILCLUSTER_LIMITS_IMAP_CONNECTIONS_PER_ADDRESS: '3',
      MAILCLUSTER_LIMITS_POP3_CONNECTIONS_PER_ADDRESS: '3',
      MAILCLUSTER_LIMITS_SMTP_CONNECTIONS_PER_ADDRESS: '3',
      MAILCLUSTER_LIMITS_PRE_LOGIN_TIMEOUT_SECONDS: '2',
      MAILCLUSTER_LIMITS_AUTH_FAILURE_DELAY_MS: '100',
      MAILCLUSTER_LIMITS_AUTH_MAX_DELAY_MS: '2000',
      MAILCLUSTER_LIMITS_AUTH_REFUSE_AFTER_ADDRESS_FAILURES: '5',
      MAILCLUSTER_LIMITS_SMTP_ERROR_SLEEP_MS: '300',
      MAILCLUSTER_LIMITS_SMTP_SOFT_ERROR_LIMIT: '3',
      MAILCLUSTER_LIMITS_SMTP_HARD_ERROR_LIMIT: '10',
    },
  });
  await c.electedController();
  await addAccounts(c, 'example.test', Array.from({ length: 20 }, (_, i) => `good${i}`));
}, 60_000);
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await c?.stop();
});

describe('client limits', () => {
  it('the connection over the per-address limit is refused on IMAP, POP3 and SMTP; another address is served', async () => {
    const cases = [
      { name: 'IMAP', greeting: /^\* OK/, refusal: '* BYE [UNAVAILABLE] Too many connections from your address' },
      { name: 'POP3', greeting: /^\+OK/, refusal: /^-ERR \[SYS\/TEMP\] Too many connections from your address/ },
      { name: 'SMTP', greeting: /^220 /, refusal: '421 4.7.0 Too many connections from your address' },
    ];
    for (const k of cases) {
      const held = [];
      for (let i = 0; i < 3; i++) {
        const conn = await open(port(k.name));
        expect(await conn.next()).toMatch(k.greeting);
        held.push(conn);
      }
      const over = await open(port(k.name));
      const reply = await over.next();
      if (typeof k.refusal === 'string') expect(reply).toBe(k.refusal);
      else expect(reply).toMatch(k.refusal);
      await over.closed;
      const other = await open(port(k.name), '127.0.0.2');
      expect(await other.next()).toMatch(k.greeting);
      for (const h of [...held, other]) h.s.destroy();
      await Promise.all([...held, other].map((h) => h.closed));
    }
  });

  it('an IMAP or POP3 connection that does not log in is closed at the pre-login timeout, though it keeps talking', async () => {
    for (const [name, bye] of [['IMAP', /^\* BYE login timeout/], ['POP3', /^-ERR \[AUTH\] login timeout/]] as const) {
      const t0 = Date.now();
      const conn = await open(port(name), '127.0.0.4');
      await conn.next();
      const talk = setInterval(() => conn.s.write(name === 'IMAP' ? 'a NOOP\r\n' : 'NOOP\r\n'), 300);
      let last = '';
      for (;;) {
        const l = await conn.next().catch(() => undefined);
        if (l === undefined) break;
        last = l;
        if (bye.test(l)) break;
      }
      clearInterval(talk);
      await conn.closed;
      expect(last).toMatch(bye);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);
      expect(Date.now() - t0).toBeLessThan(6000);
    }
  });

  it('50 unknown RCPT TO: replies slow down after the soft limit and the session is cut with 421 at the hard limit', async () => {
    const conn = await open(port('SMTP'), '127.0.0.5');
    expect(await conn.next()).toMatch(/^220 /);
    conn.s.write('HELO enum.test\r\n');
    expect(await conn.next()).toMatch(/^250 /);
    conn.s.write('MAIL FROM:<x@enum.test>\r\n');
    expect(await conn.next()).toMatch(/^250 /);
    const times: number[] = [];
    const replies: string[] = [];
    for (let i = 0; i < 50; i++) {
      const t = Date.now();
      conn.s.write(`RCPT TO:<nobody${i}@example.test>\r\n`);
      const l = await conn.next().catch(() => undefined);
      if (l === undefined) break;
      times.push(Date.now() - t);
      replies.push(l);
      if (l.startsWith('421')) break;
    }
    await conn.closed;
    console.log(`RCPT reply times (ms): ${times.join(' ')}`);
    expect(replies.slice(0, 9).every((r) => r.startsWith('550 5.1.1'))).toBe(true);
    expect(replies).toHaveLength(10);
    expect(replies[9]).toBe('421 4.7.0 too many errors in this session; closing connection');
    expect(Math.max(...times.slice(0, 2))).toBeLessThan(150);
    expect(Math.min(...times.slice(2, 9))).toBeGreaterThanOrEqual(290);
  });

  it('a flood of wrong logins from one address keeps good logins from another and SMTP delivery within 2x their quiet medians', async () => {
    const goodLogin = async (i: number): Promise<number> => {
      const t = Date.now();
      const conn = await open(port('IMAP'), '127.0.0.2');
      await conn.next();
      conn.s.write(`a LOGIN good${i}@example.test password-1\r\n`);
      expect(await conn.next()).toMatch(/^a OK/);
      const ms = Date.now() - t;
      conn.s.destroy();
      return ms;
    };
    const delivery = async (i: number): Promise<number> => {
      const t = Date.now();
      await send(c, 'mail-0', { from: 'x@remote.test', to: `good${i}@example.test`, subject: `m${i}` });
      return Date.now() - t;
    };
    const quietLogins: number[] = [];
    const quietSends: number[] = [];
    for (let i = 0; i < 10; i++) quietLogins.push(await goodLogin(i));
    for (let i = 0; i < 10; i++) quietSends.push(await delivery(i));

    let stop = false;
    let attempts = 0;
    let refused = 0;
    const attacker = async (n: number): Promise<void> => {
      while (!stop) {
        const conn = await open(port('IMAP'), '127.0.0.3').catch(() => undefined);
        if (!conn) continue;
        const first = await conn.next().catch(() => '');
        if (!first.startsWith('* OK')) { conn.s.destroy(); await new Promise((r) => setTimeout(r, 20)); continue; }
        for (let k = 0; k < 5 && !stop; k++) {
          conn.s.write(`x LOGIN ghost${n}-${attempts++}@example.test wrong\r\n`);
          const l = await conn.next().catch(() => undefined);
          if (l === undefined) break;
          if (l.includes('[UNAVAILABLE]')) refused++;
        }
        conn.s.destroy();
      }
    };
    const flood = [0, 1, 2].map(attacker);
    await new Promise((r) => setTimeout(r, 2000)); // past the growing delays: refused, no hash
    const floodLogins: number[] = [];
    const floodSends: number[] = [];
    for (let i = 10; i < 20; i++) floodLogins.push(await goodLogin(i));
    for (let i = 10; i < 20; i++) floodSends.push(await delivery(i));
    stop = true;
    await Promise.all(flood);

    const [ql, fl, qs, fs] = [median(quietLogins), median(floodLogins), median(quietSends), median(floodSends)];
    console.log(`good IMAP login median: quiet ${ql} ms, under flood ${fl} ms; SMTP delivery median: quiet ${qs} ms, under flood ${fs} ms; flood: ${attempts} wrong logins, ${refused} refused without a hash`);
    expect(attempts).toBeGreaterThan(30);
    expect(refused).toBeGreaterThan(0);
    expect(fl).toBeLessThanOrEqual(Math.max(2 * ql, ql + 20));
    expect(fs).toBeLessThanOrEqual(Math.max(2 * qs, qs + 20));
  }, 90_000);
});
