/**
 * Two controllers that both believe they lead: the controller is paused past its lease, another
 * wins, the old one resumes. Every write the deposed one attempts must fail, and no grant it made
 * after losing may ever be visible. The opens are for a live node (its registration unchanged
 * since before the pause) and the release carries the grant's current token, so leadership is the
 * only reason left to refuse them; leadership-guard.test.ts isolates etcd's guard in process.
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
    // Requests below are addressed to its registration as a worker saw it before the pause: a
    // paused node keeps that lease until it wakes, so only leadership can refuse them.
    expect(await c.registration(old)).not.toBe('');
    oldNode.pause();
    const next = await c.electedController(LEASE_TTL_MS + 10_000, old);
    const worker = c.nodes.find((n) => n.name !== old)!;
    const g = await c.rpc(worker.name, 'acquire', { account: 'under-new@example.test' });
    expect(g.holder).toBe(worker.name);
    const newRev = BigInt((await c.etcd.getAll().prefix(c.keys.electionPrefix).sort('Create', 'Ascend').limit(1).exec()).kvs[0]!.create_revision);

    // Queue requests at the paused controller; they are handled the moment it resumes. Opens on
    // behalf of a live node (not the paused one, whose key expired with its lease: etcd's
    // node-key check would refuse those for another reason), and a release of a live grant.
    const settle = <T>(p: Promise<T>) => p.then((r) => ({ ok: true as const, r }), (e: unknown) => ({ ok: false as const, e }));
    const attempts = [
      ...Array.from({ length: 20 }, (_, i) => settle(c.rpc(old, 'open', { account: `race${i}@example.test`, requester: worker.name }, 10_000))),
      settle(c.rpc(old, 'release', { account: 'under-new@example.test', token: g.token }, 10_000)),
    ];
    await new Promise((r) => setTimeout(r, 200));
    oldNode.resume();
    const results = await Promise.all(attempts);
    // On waking, its timers can run before its sockets are read: it fences and registers again,
    // and then a request addressed to its old registration is refused as UNAUTHENTICATED (internal
    // credentials name the registration). Either way none of them may succeed.
    for (const res of results) {
      expect(res.ok).toBe(false);
      if (!res.ok) expect(['NOT_LEADER', 'UNAUTHENTICATED']).toContain((res.e as RpcError).code);
    }
    await oldNode.waitForLog((l) => l.msg === 'stopped leading', 10_000, mark);
    // Addressed to the registration it has now, only leadership is left to refuse them.
    const late = await Promise.all(Array.from({ length: 5 }, (_, i) => settle(c.rpc(old, 'open', { account: `late${i}@example.test`, requester: worker.name }, 10_000))));
    for (const res of late) {
      expect(res.ok).toBe(false);
      if (!res.ok) expect((res.e as RpcError).code).toBe('NOT_LEADER');
    }
    expect(await c.controller()).toBe(next);
    expect((await c.openKeys()).get('under-new@example.test')?.token).toBe(BigInt(g.token));
    for (const k of (await c.openKeys()).values()) {
      if (k.value.controller === old) expect(k.token).toBeLessThan(newRev);
      expect(k.account.startsWith('race') || k.account.startsWith('late')).toBe(false);
    }
  });
});
