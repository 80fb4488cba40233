/**
 * The README's "a stalled holder (… its disk hung)": the holder's process runs and answers on its
 * sockets, but every fsync it starts hangs (test/harness/fsync-gate.ts, on that node only). A
 * sender through another node still gets its 250 — spooled there — after at most the 10 s LMTP
 * reply timeout, and once the disk is back the message is in the account exactly once (the hung
 * delivery completes, and the spool's retry is recognised as the same message).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../harness/cluster.ts';
import { FsyncGateDir } from '../harness/fsync-gate.ts';
import { addAccounts, inbox, maildir, send, subjectOf } from '../harness/mail.ts';

const gate = new FsyncGateDir();
let c: TestCluster;
let dora = '';

beforeAll(async () => {
  c = await startTestCluster({ env: { MAILCLUSTER_QUEUE_RETRY_BASE_MS: '300' } });
  // only the holder's fsyncs go through the gate
  const holder = c.node('mail-1');
  await holder.stop();
  Object.assign(holder.env, gate.env);
  await c.local.startNode(holder);
  await c.electedController();
  [dora] = (await addAccounts(c, 'example.test', ['dora'])) as [string];
  expect((await c.rpc('mail-1', 'acquire', { account: dora })).holder).toBe('mail-1');
});
afterAll(async () => {
  rmSync(join(gate.dir, 'hold'), { force: true });
  await c?.stop();
  gate.remove();
});

const held = (): string[] => readdirSync(join(gate.dir, 'held')).map((id) => readFileSync(join(gate.dir, 'held', id), 'utf8'));

describe('a holder whose disk hangs', () => {
  it('senders through other nodes get 250 within the LMTP reply timeout; delivered once when the disk is back', async () => {
    const spoolEnv = join(c.local.dataDir, 'shared', 'queue', 'mail-0', 'env');
    // mail-0 hands dora's mail to mail-1 once its view shows the grant (until then it spools)
    await expect.poll(async () => (await send(c, 'mail-0', { from: 'x@remote.test', to: dora, subject: 'warm-up' })).response, { timeout: 10_000, interval: 200 }).toMatch(/delivered as/);
    await expect.poll(() => existsSync(spoolEnv) && readdirSync(spoolEnv).filter((f) => f.endsWith('.json')).length, { timeout: 10_000, interval: 100 }).toBe(0);
    writeFileSync(join(gate.dir, 'hold'), ''); // from now on every fsync of mail-1 waits
    const started = Date.now();
    let elapsed = 0;
    try {
      const r = await send(c, 'mail-0', { from: 'x@remote.test', to: dora, subject: 'disk hung' });
      elapsed = Date.now() - started;
      expect(r.response).toMatch(/^250 .*queued as/);
      // the holder really was writing it: an fsync in dora's maildir is still hanging
      expect(held().some((p) => p.startsWith(maildir(c, dora)))).toBe(true);
      expect(readdirSync(spoolEnv).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    } finally {
      rmSync(join(gate.dir, 'hold'), { force: true }); // the disk is back: every held fsync runs
    }
    expect(elapsed).toBeGreaterThanOrEqual(9_000); // the reply timeout, not an early give-up
    expect(elapsed).toBeLessThan(15_000); // and not nodemailer's 30 s nor a retry after it

    // the spool's retry reaches the holder, which has (or now completes) the hung copy
    await expect.poll(() => existsSync(spoolEnv) && readdirSync(spoolEnv).filter((f) => f.endsWith('.json')).length, { timeout: 30_000, interval: 100 }).toBe(0);
    // and the hung delivery has ended: its file left tmp/ (renamed into new/, or given up)
    await expect.poll(() => readdirSync(join(maildir(c, dora), 'tmp')), { timeout: 10_000, interval: 50 }).toEqual([]);
    expect(inbox(c, dora).map(subjectOf).filter((x) => x === 'disk hung')).toEqual(['disk hung']);
    console.log(`disk hang: 250 (spooled) after ${elapsed} ms`);
  });
});
