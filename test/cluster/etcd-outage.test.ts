/**
 * What clients see while etcd is unreachable (the account directory and the lock service are
 * gone), with real etcd and real nodes:
 * - mail for an account the node saw recently is still accepted (250) and is in the INBOX once
 *   after etcd is back; mail for a name it cannot check gets a temporary 451, never a 5xx;
 * - logins that cannot be checked fail temporarily: IMAP `NO [UNAVAILABLE]`, POP3
 *   `-ERR [SYS/TEMP]`, submission `454 4.7.0`, never "wrong password" (a client told that asks
 *   its user for a new password);
 * - sessions on a node that fenced itself end with `* BYE` and a reason, not in silence;
 * - once etcd is back, logins work again with no operator action, and the mail accepted during
 *   the outage is delivered within seconds (the fenced holder's old grants are revoked when it
 *   registers again, and a release during a delivery attempt is not missed);
 * - mail whose queue attempt failed during the outage (the lock service unreachable) is not held
 *   back by a backoff after etcd returns: that attempt does not count, and the runner started on
 *   re-registration retries it at once rather than at the stored `nextAttempt` (a minute or two
 *   with the default 60 s base before this was fixed).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEASE_TTL_MS, startTestCluster, type TestCluster } from '../harness/cluster.ts';
import { addAccounts, inbox, send, subjectOf } from '../harness/mail.ts';
import { RawImap } from '../harness/imap.ts';
import { Pop3Client } from '../harness/pop3.ts';

let c: TestCluster;
let alice = '';
let bob = '';
let carol = '';
const port = (node: string, p: 'IMAP' | 'POP3' | 'SUBMISSION'): number => Number(c.node(node).env[`MAILCLUSTER_PORTS_${p}`]);

beforeAll(async () => {
  c = await startTestCluster();
  await c.electedController();
  [alice, bob, carol] = (await addAccounts(c, 'example.test', ['alice', 'bob', 'carol'])) as [string, string, string];
});
afterAll(async () => c?.stop());

const reply = (p: Promise<unknown>): Promise<string> =>
  p.then((x) => (x as { response: string }).response, (e: { response?: string; message?: string }) => e.response ?? e.message ?? String(e));

async function imapLogin(node: string, user: string): Promise<string> {
  const s = await RawImap.open(port(node, 'IMAP'));
  const r = await s.cmd('l', `LOGIN ${user} password-1`);
  s.close();
  return r.trim().split('\r\n').pop()!;
}

async function pop3Login(node: string, user: string): Promise<string> {
  const { client } = await Pop3Client.open(port(node, 'POP3'));
  await client.cmd(`USER ${user}`);
  const r = await client.cmd('PASS password-1');
  await client.cmd('QUIT').catch(() => undefined);
  return r.trim();
}

function submit(node: string, user: string) {
  const t = nodemailer.createTransport({ host: '127.0.0.1', port: port(node, 'SUBMISSION'), secure: false, requireTLS: true, tls: { rejectUnauthorized: false }, auth: { user, pass: 'password-1' } });
  return t.sendMail({ from: user, to: alice, subject: 'submitted', text: 'x' }).finally(() => t.close());
}

describe('an etcd outage', () => {
  it('keeps mail for known accounts coming in, and fails what it cannot check temporarily', async () => {
    await send(c, 'mail-1', { from: 'x@remote.test', to: alice, subject: 'before' }); // mail-1 has now seen alice
    await c.rpc('mail-0', 'acquire', { account: alice });
    const session = await RawImap.open(port('mail-0', 'IMAP'));
    expect(await session.cmd('l', `LOGIN ${alice} password-1`)).toMatch(/l OK /);
    await c.local.etcd.stop();
    try {
      await new Promise((r) => setTimeout(r, 6000)); // past the directory cache's 5 s and the lease: nodes have fenced themselves
      expect(await session.read((b) => b.includes('\r\n'), 1000)).toMatch(/^\* BYE .+\r\n/);
      session.close();
      expect(await reply(send(c, 'mail-1', { from: 'x@remote.test', to: alice, subject: 'during' }))).toMatch(/^250 /);
      expect(await reply(send(c, 'mail-2', { from: 'x@remote.test', to: bob, subject: 'unchecked' }))).toMatch(/^451 4\.3\.0 /);
      expect(await imapLogin('mail-2', bob)).toMatch(/^l NO \[UNAVAILABLE\] /);
      expect(await pop3Login('mail-2', bob)).toMatch(/^-ERR \[SYS\/TEMP\] /);
      expect(await reply(submit('mail-2', bob))).toMatch(/^454 4\.7\.0 /);
    } finally {
      await c.local.etcd.start();
    }
    // the mail accepted during the outage is delivered once the cluster is back, exactly once
    await expect.poll(() => inbox(c, alice).map(subjectOf).sort(), { timeout: 30_000, interval: 500 }).toEqual(['before', 'during']);
    await expect.poll(() => imapLogin('mail-2', bob), { timeout: 30_000, interval: 500 }).toMatch(/^l OK /);
    expect(await pop3Login('mail-2', bob)).toMatch(/^\+OK /);
  }, 120_000);

  it('delivers mail whose queue attempt failed during the outage within seconds of etcd returning', async () => {
    await send(c, 'mail-1', { from: 'x@remote.test', to: carol, subject: 'seen' }); // mail-1 has now seen carol
    await expect.poll(() => inbox(c, carol).map(subjectOf), { timeout: 20_000 }).toEqual(['seen']);
    // carol open nowhere: mail for her during the outage must go through the lock service
    const key = (await c.openKeys()).get(carol)!;
    await c.rpc(await c.electedController(), 'release', { account: carol, token: String(key.token) });
    await expect.poll(async () => (await c.openKeys()).has(carol)).toBe(false);
    const envDir = join(c.local.dataDir, 'shared', 'queue', 'mail-1', 'env');
    const envelopes = () => readdirSync(envDir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(envDir, f), 'utf8')) as { nextAttempt: number; received: number });
    await c.local.etcd.stop();
    const stoppedAt = Date.now();
    let back = 0;
    let restarting = 0;
    try {
      expect(await reply(send(c, 'mail-1', { from: 'x@remote.test', to: carol, subject: 'outage' }))).toMatch(/^250 /);
      // the spool tried it while etcd was gone and deferred it (the attempt this test is about)
      await expect.poll(() => envelopes().some((e) => e.nextAttempt > e.received + 1000), { timeout: 30_000, interval: 200 }).toBe(true);
    } finally {
      restarting = Date.now(); // etcd was certainly down from stoppedAt to here
      await c.local.etcd.start();
      back = Date.now(); // and serving by here (it may have served a little earlier, on a busy machine)
    }
    await expect.poll(() => inbox(c, carol).map(subjectOf).sort(), { timeout: 20_000, interval: 250 }).toEqual(['outage', 'seen']);
    expect(Date.now() - back).toBeLessThan(20_000);
    // the controller change it caused reports a gap at least as long as etcd was gone (it was
    // dated now − TTL after etcd's return before, which read 3-5 s for any outage)
    const events = async () => Object.values(await c.etcd.getAll().prefix(c.keys.eventsPrefix).strings()).map((v) => JSON.parse(v) as { type: string; at: number; gapMs?: number });
    await expect.poll(async () => (await events()).some((e) => e.type === 'controller-elected' && e.at > stoppedAt), { timeout: 20_000 }).toBe(true);
    const elected = (await events()).filter((e) => e.type === 'controller-elected' && e.at > stoppedAt);
    expect(elected).toHaveLength(1);
    expect(elected[0]!.gapMs).toBeGreaterThanOrEqual(restarting - stoppedAt);
    expect(elected[0]!.gapMs).toBeLessThan(elected[0]!.at - stoppedAt + 1000);
    // the fenced nodes served nothing from the close of their window to their registration
    const fences = (await events()).filter((e) => e.type === 'self-fenced' && e.at > stoppedAt);
    expect(fences.length).toBeGreaterThan(0);
    for (const f of fences) expect(f.gapMs).toBeGreaterThanOrEqual(restarting - stoppedAt - LEASE_TTL_MS);
  }, 120_000);
});
