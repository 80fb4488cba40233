/**
 * Submission on 587 (STARTTLS) and 465 (TLS) with AUTH, local delivery, relay to a remote MX played
 * by a local SMTP sink (as smarthost): retry after a temporary failure, an RFC 3464 bounce after a
 * permanent one and after the queue lifetime. Relaying without AUTH is refused. Last, one node
 * restarted without the smarthost relays to the sink as the MX that the test DNS server names.
 */
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../harness/cluster.ts';
import { addAccounts, inbox, send, subjectOf } from '../harness/mail.ts';
import { SmtpSink } from '../harness/smtp-sink.ts';
import { TestDns } from '../harness/dns.ts';

let c: TestCluster;
const sink = new SmtpSink();
const dns = new TestDns().set('far.test', { mx: [{ priority: 10, exchange: 'mx.far.test' }] }).set('mx.far.test', { a: ['127.0.0.1'] });
const PASSWORD = 'password-1';

beforeAll(async () => {
  const port = await sink.start();
  const dnsServer = await dns.start();
  sink.on('flaky@remote.test', { kind: 'tempfail', times: 2 }).on('gone@remote.test', { kind: 'reject' }).on('slow@remote.test', { kind: 'always-tempfail' });
  c = await startTestCluster({
    env: {
      MAILCLUSTER_RELAY_SMARTHOST: `127.0.0.1:${port}`,
      // used once a node runs without the smarthost (the last test)
      MAILCLUSTER_RELAY_DNS_SERVERS: dnsServer,
      MAILCLUSTER_RELAY_MX_PORT: String(port),
      MAILCLUSTER_QUEUE_RETRY_BASE_MS: '300',
      MAILCLUSTER_QUEUE_RETRY_MAX_MS: '600',
      MAILCLUSTER_QUEUE_LIFETIME_SECONDS: '4',
    },
  });
  await c.electedController();
  await addAccounts(c, 'example.test', ['alice', 'bob'], PASSWORD);
});
afterAll(async () => {
  await c?.stop();
  await sink.stop();
  await dns.stop();
});

function submit(node: string, opts: { implicitTls?: boolean; user?: string; pass?: string }, mail: { from: string; to: string | string[]; subject: string }) {
  const n = c.node(node);
  const t = nodemailer.createTransport({
    host: '127.0.0.1',
    port: Number(opts.implicitTls ? n.env.MAILCLUSTER_PORTS_SUBMISSIONS : n.env.MAILCLUSTER_PORTS_SUBMISSION),
    secure: opts.implicitTls ?? false,
    requireTLS: !opts.implicitTls,
    tls: { rejectUnauthorized: false },
    auth: opts.user ? { user: opts.user, pass: opts.pass ?? PASSWORD } : undefined,
  });
  return t.sendMail({ ...mail, text: `body of ${mail.subject}` }).finally(() => t.close());
}

describe('submission and relay', () => {
  it('accepts authenticated mail on 587 and 465 and delivers local recipients', async () => {
    const a = await submit('mail-0', { user: 'alice@example.test' }, { from: 'alice@example.test', to: 'bob@example.test', subject: 'hi via 587' });
    expect(a.response).toMatch(/^250 /);
    const b = await submit('mail-1', { implicitTls: true, user: 'alice@example.test' }, { from: 'alice@example.test', to: 'bob@example.test', subject: 'hi via 465' });
    expect(b.response).toMatch(/^250 /);
    await expect.poll(() => inbox(c, 'bob@example.test').map(subjectOf).sort(), { timeout: 10_000 }).toEqual(['hi via 465', 'hi via 587']);
    expect(inbox(c, 'bob@example.test')[0]).toMatch(/with ESMTPSA id/);
  });

  it('refuses bad credentials, a forged sender and relaying without AUTH', async () => {
    await expect(submit('mail-0', { user: 'alice@example.test', pass: 'wrong-pass' }, { from: 'alice@example.test', to: 'x@remote.test', subject: 'x' })).rejects.toMatchObject({ responseCode: 535 });
    await expect(submit('mail-0', { user: 'alice@example.test' }, { from: 'bob@example.test', to: 'x@remote.test', subject: 'x' })).rejects.toMatchObject({ responseCode: 553 });
    await expect(submit('mail-0', {}, { from: 'alice@example.test', to: 'x@remote.test', subject: 'x' })).rejects.toMatchObject({ responseCode: 530 });
    await expect(send(c, 'mail-0', { from: 'alice@example.test', to: 'x@remote.test', subject: 'open relay?' })).rejects.toMatchObject({ responseCode: 554 });
    expect(sink.messages.filter((m) => m.to.includes('x@remote.test'))).toEqual([]);
  });

  it('relays to the remote MX, retrying after temporary failures', async () => {
    await submit('mail-2', { user: 'alice@example.test' }, { from: 'alice@example.test', to: ['ok@remote.test', 'flaky@remote.test'], subject: 'outbound' });
    await expect.poll(() => sink.messages.filter((m) => m.raw.includes('Subject: outbound')).flatMap((m) => m.to).sort(), { timeout: 15_000 }).toEqual(['flaky@remote.test', 'ok@remote.test']);
    expect(sink.attempts.get('flaky@remote.test')).toBe(3);
    expect(sink.messages.filter((m) => m.to.includes('ok@remote.test'))).toHaveLength(1);
  });

  it('bounces at once on a permanent failure, with an RFC 3464 report', async () => {
    await submit('mail-1', { user: 'alice@example.test' }, { from: 'alice@example.test', to: 'gone@remote.test', subject: 'to nowhere' });
    await expect.poll(() => inbox(c, 'alice@example.test').filter((m) => m.includes('gone@remote.test')).length, { timeout: 15_000 }).toBe(1);
    const dsn = inbox(c, 'alice@example.test').find((m) => m.includes('gone@remote.test'))!;
    expect(dsn).toMatch(/^Return-Path: <>\r\n/);
    expect(dsn).toMatch(/Content-Type: multipart\/report; report-type=delivery-status;/);
    expect(dsn).toMatch(/Final-Recipient: rfc822; gone@remote\.test\r\nAction: failed\r\nStatus: 5\.1\.1/);
    expect(dsn).toMatch(/Subject: to nowhere/);
  });

  it('bounces after the queue lifetime when failures stay temporary', async () => {
    await submit('mail-0', { user: 'bob@example.test' }, { from: 'bob@example.test', to: 'slow@remote.test', subject: 'patience' });
    await expect.poll(() => inbox(c, 'bob@example.test').filter((m) => m.includes('slow@remote.test')).length, { timeout: 20_000 }).toBe(1);
    const dsn = inbox(c, 'bob@example.test').find((m) => m.includes('slow@remote.test'))!;
    expect(dsn).toMatch(/Status: 4\.3\.0/);
    expect(dsn).toMatch(/gave up after \d+ attempts/);
    expect(sink.attempts.get('slow@remote.test')).toBeGreaterThan(1);
  });

  it('relays straight to the MX named in DNS when a node has no smarthost', async () => {
    const n = c.node('mail-2');
    await n.stop();
    delete n.env.MAILCLUSTER_RELAY_SMARTHOST;
    await c.local.startNode(n);
    await submit('mail-2', { user: 'alice@example.test' }, { from: 'alice@example.test', to: 'carol@far.test', subject: 'via mx' });
    await expect.poll(() => sink.messages.filter((m) => m.raw.includes('Subject: via mx')).flatMap((m) => m.to), { timeout: 15_000 }).toEqual(['carol@far.test']);
    expect(dns.queries).toEqual(['far.test MX', 'mx.far.test A']);
  });
});
