/**
 * SIGSTOP a holder past its lease, let another node take its accounts, SIGCONT it: the paused
 * node must have stopped serving before the other node was granted them (serving intervals from
 * every node's log never overlap), and it must come back with a new lease on its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts, LEASE_TTL_MS, startTestCluster, type TestCluster } from '../harness/cluster.ts';
import { overlaps, servingIntervals } from '../harness/serving.ts';
import { join } from 'node:path';
import { readFence } from '../../src/storage/fence.ts';

let c: TestCluster;
beforeAll(async () => {
  c = await startTestCluster();
});
afterAll(async () => c?.stop());

describe('self-fencing', () => {
  it('a paused holder stops serving before its accounts are granted elsewhere', async () => {
    const ctl = await c.electedController();
    const holder = c.nodes.find((n) => n.name !== ctl)!;
    const other = c.nodes.find((n) => n.name !== ctl && n !== holder)!;
    const names = accounts(10, 'paused');
    await Promise.all(names.map((account) => c.rpc(holder.name, 'acquire', { account })));
    await expect.poll(async () => (await c.rpc(holder.name, 'status', {})).held.length, { timeout: 5000 }).toBe(10);
    const oldLease = (await c.rpc(holder.name, 'status', {})).lease;
    const logMark = holder.logs.length;

    holder.pause();
    await expect.poll(async () => (await c.rpc(other.name, 'acquire', { account: names[0]! })).holder, { timeout: LEASE_TTL_MS + 5000, interval: 50 }).toBe(other.name);
    await Promise.all(names.map((account) => c.rpc(other.name, 'acquire', { account })));
    await new Promise((r) => setTimeout(r, 500));
    holder.resume();
    const resumedAt = Date.now();

    const fenced = await holder.waitForLog((l) => l.msg === 'self-fenced', 10_000, logMark);
    await holder.waitForLog((l) => l.msg === 'node registered', 15_000, logMark);
    const after = await c.rpc(holder.name, 'status', {});
    expect(after.serving).toBe(true);
    expect(after.lease).not.toBe(oldLease);
    expect(after.held.filter((h) => h.account.startsWith('paused'))).toEqual([]);

    const intervals = servingIntervals(c.nodes).filter((i) => i.account.startsWith('paused'));
    const movedTo = intervals.filter((i) => i.node === other.name);
    expect(movedTo.length).toBe(10);
    const closedOnHolder = intervals.filter((i) => i.node === holder.name);
    expect(closedOnHolder.length).toBe(10);
    for (const i of closedOnHolder) expect(i.until).toBeLessThanOrEqual(Number(fenced.servingUntil));
    expect(overlaps(intervals)).toEqual([]);
    // The fence file carries the new holder's token: the old holder's commits would be refused.
    const newToken = (await c.openKeys()).get(names[0]!)!.token;
    expect(await readFence(join(c.local.dataDir, 'shared', 'mail', 'example.test', 'paused0'))).toBe(newToken);
    // operators see it: a self-fenced event from the node, and the node leaving and rejoining
    await expect
      .poll(async () => Object.values(await c.etcd.getAll().prefix(c.keys.eventsPrefix).strings()).map((v) => JSON.parse(v) as { type: string; node?: string }).filter((e) => e.node === holder.name).map((e) => e.type), { timeout: 10_000 })
      .toEqual(expect.arrayContaining(['self-fenced', 'node-left']));
    // "served nothing for X s" counts from the close of its serving window, not from when it woke
    const fencedEvent = Object.values(await c.etcd.getAll().prefix(c.keys.eventsPrefix).strings()).map((v) => JSON.parse(v) as { type: string; node?: string; gapMs?: number }).find((e) => e.type === 'self-fenced' && e.node === holder.name)!;
    expect(fencedEvent.gapMs).toBeGreaterThanOrEqual(resumedAt - Number(fenced.servingUntil));
    const margin = Math.min(...movedTo.map((m) => m.from)) - Number(fenced.servingUntil);
    console.log(`self-fencing: the paused holder stopped serving ${margin} ms before the first re-grant was served`);
  });
});
