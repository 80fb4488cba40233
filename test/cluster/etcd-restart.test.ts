/**
 * Restart etcd under a running cluster (same data, same address, down for longer than the
 * fencing window): nodes fence themselves, re-register, a controller is elected, grants work
 * again — with no operator action.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../harness/cluster.ts';

let c: TestCluster;
beforeAll(async () => {
  c = await startTestCluster();
});
afterAll(async () => c?.stop());

describe('etcd restart', () => {
  it('nodes recover on their own', async () => {
    await c.electedController();
    await c.rpc('mail-0', 'acquire', { account: 'before@example.test' });
    const marks = c.nodes.map((n) => n.logs.length);
    await c.local.etcd.stop();
    await new Promise((r) => setTimeout(r, 3000));
    await c.local.etcd.start();
    const restartedAt = Date.now();

    // Every node registers again (a pause this long fences them), and a controller is elected.
    await Promise.all(c.nodes.map((n, i) => n.waitForLog((l) => l.msg === 'node registered', 30_000, marks[i])));
    const ctl = await c.electedController(30_000);
    expect(c.nodes.map((n) => n.name)).toContain(ctl);
    for (const n of c.nodes) {
      await expect.poll(async () => (await c.rpc(n.name, 'status', {})).serving, { timeout: 10_000 }).toBe(true);
    }
    const g = await c.rpc('mail-1', 'acquire', { account: 'after-restart@example.test' });
    expect(g.holder).toBe('mail-1');
    const g0 = await c.rpc('mail-2', 'acquire', { account: 'before@example.test' });
    expect(['mail-0', 'mail-2']).toContain(g0.holder);
    console.log(`etcd restart: cluster granting again ${Date.now() - restartedAt} ms after etcd came back`);
  });
});
