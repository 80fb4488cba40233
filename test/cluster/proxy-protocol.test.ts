/**
 * PROXY protocol behind Debian's haproxy on loopback: a client on 127.0.0.5 reaches the node
 * through haproxy (127.0.0.1, the trusted proxy) with `send-proxy` (v1) to IMAP and `send-proxy-v2`
 * to SMTP and IMAPS; the node logs and the Received header show 127.0.0.5. A header sent
 * directly from an untrusted address is refused, and the trusted address without one is refused.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../harness/cluster.ts';
import { addAccounts, inbox, subjectOf } from '../harness/mail.ts';
import { freePorts } from '../../src/devcluster/ports.ts';

const HAPROXY = '/usr/sbin/haproxy';
const CLIENT = '127.0.0.5';
let c: TestCluster;
let haproxy: ChildProcess | undefined;
let dir: string;
const front = { imapV1: 0, smtpV2: 0, imapsV2: 0, pop3V1: 0, submissionsV2: 0 };
const nodePort = (p: string): number => Number(c.node('mail-0').env[`MAILCLUSTER_PORTS_${p}`]);

/** Resolves with everything the server sent until it closed the connection (or rejects after ms). */
function untilClosed(s: Socket, ms: number): Promise<string> {
  let got = '';
  s.on('data', (d: Buffer) => (got += d.toString('latin1')));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`still open after ${ms} ms; got ${JSON.stringify(got)}`)), ms);
    s.on('error', () => undefined);
    s.on('close', () => (clearTimeout(t), resolve(got)));
  });
}

function firstLine(s: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.includes('\r\n')) resolve(got.slice(0, got.indexOf('\r\n')));
    });
    s.on('error', reject);
    s.on('close', () => reject(new Error(`closed before a line; got ${JSON.stringify(got)}`)));
  });
}

async function waitListening(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((r) => connect(port, '127.0.0.1').on('connect', function (this: Socket) { this.destroy(); r(true); }).on('error', () => r(false)));
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`haproxy is not listening on ${port}`);
}

beforeAll(async () => {
  if (!existsSync(HAPROXY)) throw new Error(`${HAPROXY} is missing: run bin/system-deps.sh (Debian package haproxy)`);
  c = await startTestCluster({
    nodes: 1,
    env: { MAILCLUSTER_PROXY_PROTOCOL_TRUSTED: '127.0.0.1/32', MAILCLUSTER_PROXY_PROTOCOL_HEADER_TIMEOUT_MS: '1000' },
  });
  await c.electedController();
  await addAccounts(c, 'example.test', ['u0']);
  const [a, b, d, e, f] = (await freePorts(5)) as [number, number, number, number, number];
  Object.assign(front, { imapV1: a, smtpV2: b, imapsV2: d, pop3V1: e, submissionsV2: f });
  dir = mkdtempSync(join(tmpdir(), 'mailcluster-haproxy-'));
  const cfg = [
    'defaults', '  mode tcp', '  timeout connect 5s', '  timeout client 30s', '  timeout server 30s',
    `listen imap_v1`, `  bind 127.0.0.1:${front.imapV1}`, `  server n0 127.0.0.1:${nodePort('IMAP')} send-proxy`,
    `listen smtp_v2`, `  bind 127.0.0.1:${front.smtpV2}`, `  server n0 127.0.0.1:${nodePort('SMTP')} send-proxy-v2`,
    `listen imaps_v2`, `  bind 127.0.0.1:${front.imapsV2}`, `  server n0 127.0.0.1:${nodePort('IMAPS')} send-proxy-v2`,
    `listen pop3_v1`, `  bind 127.0.0.1:${front.pop3V1}`, `  server n0 127.0.0.1:${nodePort('POP3')} send-proxy`,
    `listen submissions_v2`, `  bind 127.0.0.1:${front.submissionsV2}`, `  server n0 127.0.0.1:${nodePort('SUBMISSIONS')} send-proxy-v2`,
    '',
  ].join('\n');
  writeFileSync(join(dir, 'haproxy.cfg'), cfg);
  haproxy = spawn(HAPROXY, ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'inherit', 'inherit'] });
  await Promise.all(Object.values(front).map(waitListening));
}, 60_000);

afterAll(async () => {
  if (haproxy?.pid) {
    const gone = new Promise((r) => haproxy!.once('exit', r));
    haproxy.kill('SIGTERM');
    await gone;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
  await c?.stop();
});

describe('PROXY protocol through haproxy', () => {
  it('IMAP through send-proxy (v1): greeted, and the node logs the session as the client on 127.0.0.5', async () => {
    const since = c.node('mail-0').logs.length;
    const s = connect({ host: '127.0.0.1', port: front.imapV1, localAddress: CLIENT });
    expect(await firstLine(s)).toMatch(/^\* OK/);
    // haproxy's readiness probes (from 127.0.0.1) open sessions too: look for this client's
    const line = await c.node('mail-0').waitForLog((l) => l.msg === 'imap session opened' && l.port === nodePort('IMAP') && l.address === CLIENT, 10_000, since);
    expect(line).toMatchObject({ address: CLIENT, peer: '127.0.0.1' });
    s.destroy();
  });

  it('IMAPS through send-proxy-v2: the header comes before the TLS handshake', async () => {
    const since = c.node('mail-0').logs.length;
    const s = tlsConnect({ socket: connect({ host: '127.0.0.1', port: front.imapsV2, localAddress: CLIENT }), rejectUnauthorized: false });
    expect(await firstLine(s)).toMatch(/^\* OK/);
    const line = await c.node('mail-0').waitForLog((l) => l.msg === 'imap session opened' && l.port === nodePort('IMAPS') && l.address === CLIENT, 10_000, since);
    expect(line).toMatchObject({ address: CLIENT, peer: '127.0.0.1' });
    s.destroy();
  });

  it('SMTP through send-proxy-v2: the Received header names 127.0.0.5', async () => {
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: front.smtpV2, secure: false, ignoreTLS: true, name: 'client.test', localAddress: CLIENT });
    const r = (await t.sendMail({ from: 'a@remote.test', to: 'u0@example.test', subject: 'via haproxy', text: 'hi' })) as { accepted: string[] };
    t.close();
    expect(r.accepted).toEqual(['u0@example.test']);
    await expect.poll(() => inbox(c, 'u0@example.test').find((m) => subjectOf(m) === 'via haproxy'), { timeout: 15_000 }).toBeDefined();
    const raw = inbox(c, 'u0@example.test').find((m) => subjectOf(m) === 'via haproxy')!;
    expect(raw).toMatch(/^Received: from client\.test \(.*\[127\.0\.0\.5\]\)/m);
    expect(raw).not.toMatch(/\[127\.0\.0\.1\]/);
  });
});

describe('PROXY protocol through haproxy, more listeners', () => {
  it('POP3 through send-proxy (v1): the session log shows 127.0.0.5', async () => {
    const since = c.node('mail-0').logs.length;
    const s = connect({ host: '127.0.0.1', port: front.pop3V1, localAddress: CLIENT });
    expect(await firstLine(s)).toMatch(/^\+OK/);
    const line = await c.node('mail-0').waitForLog((l) => l.msg === 'pop3 session opened' && l.address === CLIENT, 10_000, since);
    expect(line).toMatchObject({ peer: '127.0.0.1', port: nodePort('POP3') });
    s.destroy();
  });

  it('submission on 465 through send-proxy-v2 (header before TLS): Received names 127.0.0.5', async () => {
    const t = nodemailer.createTransport({
      host: '127.0.0.1', port: front.submissionsV2, secure: true, tls: { rejectUnauthorized: false }, name: 'client.test', localAddress: CLIENT,
      auth: { user: 'u0@example.test', pass: 'password-1' },
    });
    const r = (await t.sendMail({ from: 'u0@example.test', to: 'u0@example.test', subject: 'via haproxy 465', text: 'hi' })) as { accepted: string[] };
    t.close();
    expect(r.accepted).toEqual(['u0@example.test']);
    await expect.poll(() => inbox(c, 'u0@example.test').find((m) => subjectOf(m) === 'via haproxy 465'), { timeout: 15_000 }).toBeDefined();
    const raw = inbox(c, 'u0@example.test').find((m) => subjectOf(m) === 'via haproxy 465')!;
    expect(raw).toMatch(/^Received: from client\.test \(.*\[127\.0\.0\.5\]\)/m);
  });
});

describe('direct clients on a PROXY listener', () => {
  for (const [name, port, greeting] of [['IMAPS', 'IMAPS', /^\* OK/], ['submissions (465)', 'SUBMISSIONS', /^220 /], ['POP3S', 'POP3S', /^\+OK/]] as const) {
    it(`${name}: a TLS client from an untrusted address is served (its ClientHello is put back before the handshake)`, async () => {
      const s = tlsConnect({ socket: connect({ host: '127.0.0.1', port: nodePort(port), localAddress: CLIENT }), rejectUnauthorized: false });
      expect(await firstLine(s)).toMatch(greeting);
      s.destroy();
    });
  }
});

describe('PROXY protocol refusals', () => {
  for (const [name, port] of [['IMAP', 'IMAP'], ['SMTP', 'SMTP'], ['POP3', 'POP3']] as const) {
    it(`${name}: a header sent directly from an untrusted address is refused and logged`, async () => {
      const since = c.node('mail-0').logs.length;
      const s = connect({ host: '127.0.0.1', port: nodePort(port), localAddress: CLIENT });
      await firstLine(s); // the greeting: an untrusted peer is an ordinary client until it sends a header
      const closed = untilClosed(s, 5000);
      s.write('PROXY TCP4 192.0.2.1 127.0.0.1 1234 25\r\n');
      const after = await closed;
      expect(after).toBe(''); // no reply to the forged header: the socket was closed first
      expect(await c.node('mail-0').waitForLog((l) => l.msg === 'PROXY header from untrusted peer refused', 5000, since)).toMatchObject({ peer: CLIENT });
    });
  }

  it('IMAPS: a v2 header from an untrusted address is refused before the TLS handshake', async () => {
    const since = c.node('mail-0').logs.length;
    const s = connect({ host: '127.0.0.1', port: nodePort('IMAPS'), localAddress: CLIENT });
    const closed = untilClosed(s, 5000);
    s.write(Buffer.concat([Buffer.from('0d0a0d0a000d0a515549540a2111000c', 'hex'), Buffer.from([192, 0, 2, 1, 127, 0, 0, 1, 0, 1, 3, 225])]));
    expect(await closed).toBe('');
    expect(await c.node('mail-0').waitForLog((l) => l.msg === 'PROXY header from untrusted peer refused', 5000, since)).toMatchObject({ peer: CLIENT });
  });

  for (const port of ['IMAP', 'SMTP', 'SUBMISSION', 'POP3'] as const) {
    it(`${port}: the trusted address without a header is refused (no greeting, closed after the header timeout)`, async () => {
      const since = c.node('mail-0').logs.length;
      const start = Date.now();
      const s = connect({ host: '127.0.0.1', port: nodePort(port), localAddress: '127.0.0.1' });
      expect(await untilClosed(s, 5000)).toBe('');
      expect(Date.now() - start).toBeGreaterThanOrEqual(900);
      expect(await c.node('mail-0').waitForLog((l) => l.msg === 'PROXY header refused', 5000, since)).toMatchObject({ peer: '127.0.0.1' });
    });
  }

  it('the trusted address sending protocol data instead of a header is refused at once', async () => {
    const s = connect({ host: '127.0.0.1', port: nodePort('IMAP'), localAddress: '127.0.0.1' });
    const closed = untilClosed(s, 5000);
    s.write('A1 LOGIN u0@example.test password-1\r\n');
    expect(await closed).toBe('');
  });
});
