/**
 * A paused (not killed) spool owner wakes while another node drains its spool (queue takeover):
 * the message it accepted is delivered exactly once, the owner does not work its own spool again
 * while the assignment exists (at most one runner per spool, worker/delivery/queues.ts), and the
 * assignment is released once the spool is empty.
 *
 * To have the drain under way when the owner wakes, the holder's disk hangs (every fsync of the
 * holder held, test/harness/fsync-gate.ts): the owner's hand-over, its retries and the taker's
 * delivery all wait in the holder until the test lets the disk go.
 */
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEASE_TTL_MS, startTestCluster, type TestCluster } from '../harness/cluster.ts';
import { FsyncGateDir } from '../harness/fsync-gate.ts';
import { addAccounts, inbox, maildir, send, subjectOf } from '../harness/mail.ts';

const gate = new FsyncGateDir();
let c: TestCluster;
let dora = '';

beforeAll(async () => {
  c = await startTestCluster({ env: { MAILCLUSTER_QUEUE_RETRY_BASE_MS: '300' } });
  const holder = c.node('mail-1');
  await holder.stop();
  Object.assign(holder.env, gate.env); // only the holder's fsyncs go through the gate
  await c.local.startNode(holder);
  await c.electedController();
  [dora] = (await addAccounts(c, 'example.test', ['dora'])) as [string];
  expect((await c.rpc('mail-1', 'acquire', { account: dora })).holder).toBe('mail-1');
});
afterAll(async () => {
  rmSync(join(gate.dir, 'hold'), { force: true });
  for (const n of c?.nodes ?? []) n.resume();
  await c?.stop();
  gate.remove();
});

const envs = (node: string): string[] => {
  const dir = join(c.local.dataDir, 'shared', 'queue', node, 'env');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
};

describe('a paused spool owner', () => {
  it('wakes while its spool is drained elsewhere: delivered once, one runner per spool', async () => {
    const ctl = await c.electedController();
    const owner = c.node(['mail-0', 'mail-2'].find((n) => n !== ctl)!); // pausing it needs no new election
    await expect.poll(async () => (await send(c, owner.name, { from: 'x@remote.test', to: dora, subject: 'warm-up' })).response, { timeout: 10_000, interval: 200 }).toMatch(/delivered as/);
    await expect.poll(() => envs(owner.name).length, { timeout: 10_000 }).toBe(0);

    let mark = 0;
    let taken = owner;
    const takenMark = new Map(c.nodes.map((n) => [n.name, n.logs.length]));
    writeFileSync(join(gate.dir, 'hold'), ''); // the holder's disk hangs
    try {
      const r = await send(c, owner.name, { from: 'x@remote.test', to: dora, subject: 'once' });
      expect(r.response).toMatch(/^250 .*queued as/); // the reply timeout ended the hand-over: spooled
      expect(envs(owner.name)).toHaveLength(1);

      mark = owner.logs.length;
      owner.pause();
      const pausedAt = Date.now();
      // its lease ends; the controller assigns its spool to a live node, whose runner starts on it
      const takers = c.nodes.filter((n) => n !== owner);
      const marks = new Map(takers.map((n) => [n.name, n.logs.length]));
      taken = await Promise.any(takers.map((n) => n.waitForLog((l) => l.msg === 'queue taken over' && l.spoolOf === owner.name, LEASE_TTL_MS + 20_000, marks.get(n.name)).then(() => n)));
      expect(Date.now() - pausedAt).toBeGreaterThanOrEqual(LEASE_TTL_MS - 1000);
      expect(await c.etcd.get(c.keys.queue(owner.name)).string()).not.toBeNull();

      owner.resume(); // while the taker's delivery waits on the hung disk
      await owner.waitForLog((l) => l.msg === 'node registered', 20_000, mark);
      // the assignment still stands (the spool is not empty): the owner must not work its spool
      await expect.poll(async () => (await c.rpc(owner.name, 'status', {}, 2000)).serving, { timeout: 10_000 }).toBe(true);
      expect(envs(owner.name)).toHaveLength(1);
      expect(await c.etcd.get(c.keys.queue(owner.name)).string()).not.toBeNull();
      console.log(`queue owner resumed: taken over by ${taken.name}`);
    } finally {
      rmSync(join(gate.dir, 'hold'), { force: true }); // the disk is back
    }

    // drained by the taker, the assignment released, every delivery ended in the holder
    await expect.poll(() => envs(owner.name).length, { timeout: 30_000, interval: 100 }).toBe(0);
    const drained = await taken.waitForLog((l) => l.msg === 'queue drained' && l.spoolOf === owner.name, 15_000, takenMark.get(taken.name));
    // one runner per spool: the owner restarted none on its spool before the taker let it go
    // (an in-flight hand-over of its stopped runner may still finish: the holder stores a retry once)
    expect(owner.logs.slice(mark).filter((l) => l.msg === 'own queue resumed' && l.time < drained.time)).toEqual([]);
    await expect.poll(async () => (await c.etcd.getAll().prefix(c.keys.queuesPrefix).keys()).length, { timeout: 15_000, interval: 100 }).toBe(0);
    await expect.poll(() => readdirSync(join(maildir(c, dora), 'tmp')), { timeout: 10_000, interval: 50 }).toEqual([]);
    expect(inbox(c, dora).map(subjectOf).filter((s) => s === 'once')).toEqual(['once']);
    // the owner works its own (empty) spool again afterwards, and mail through it still flows
    expect((await send(c, owner.name, { from: 'x@remote.test', to: dora, subject: 'after' })).response).toMatch(/^250 /);
    await expect.poll(() => inbox(c, dora).map(subjectOf).filter((s) => s === 'after').length, { timeout: 20_000, interval: 100 }).toBe(1);
    expect(inbox(c, dora).map(subjectOf).filter((s) => s === 'once')).toEqual(['once']);
  });
});
