/**
 * Two controllers that both believe they lead: the controller is paused past its lease, another
 * wins, the old one resumes. Every write the deposed one attempts must fail, and no grant it made
 * after losing may ever be visible.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEASE_TTL_MS, startTestCluster, type TestCluster } from '../harness/cluster.ts';
import { RpcError } from '../../src/cluster/rpc/methods.ts';

let c: TestCluster;
beforeAll(async () => {
  c = await startTestCluster();
});
afterAll(async () => c?.stop());

describe('a deposed controller', () => {
  it('cannot grant after it lost leadership', async () => {
    const old = await c.electedController();
    const oldNode = c.node(old);
    const mark = oldNode.logs.length;
    oldNode.pause();
    const next = await c.electedController(LEASE_TTL_MS + 10_000, old);
    const worker = c.nodes.find((n) => n.name !== old)!;
    const g = await c.rpc(worker.name, 'acquire', { account: 'under-new@example.test' });
    expect(g.holder).toBe(worker.name);
    const newRev = BigInt((await c.etcd.getAll().prefix(c.keys.electionPrefix).sort('Create', 'Ascend').limit(1).exec()).kvs[0]!.create_revision);

    // Queue open requests at the paused controller; they are handled the moment it resumes.
    const attempts = Array.from({ length: 20 }, (_, i) =>
      c.rpc(old, 'open', { account: `race${i}@example.test`, requester: old }, 10_000).then(
        (r) => ({ ok: true as const, r }),
        (e: unknown) => ({ ok: false as const, e }),
      ),
    );
    await new Promise((r) => setTimeout(r, 200));
    oldNode.resume();
    const results = await Promise.all(attempts);
    for (const res of results) {
      expect(res.ok).toBe(false);
      if (!res.ok) expect((res.e as RpcError).code).toBe('NOT_LEADER');
    }
    await oldNode.waitForLog((l) => l.msg === 'stopped leading', 10_000, mark);
    expect(await c.controller()).toBe(next);
    for (const k of (await c.openKeys()).values()) {
      if (k.value.controller === old) expect(k.token).toBeLessThan(newRev);
      expect(k.account.startsWith('race')).toBe(false);
    }
  });
});
