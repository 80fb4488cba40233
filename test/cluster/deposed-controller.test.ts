/**
 * Two controllers that both believe they lead, and only etcd's leadership guard between them.
 *
 * A controller paused past its lease cannot show this: it self-fences on waking before it reads
 * a request (its clock check runs first), so its own "not leading" answers, not etcd's guard. Here
 * the controller stays live instead: its etcd connection goes through a proxy that holds etcd's
 * replies and watch events (its keep-alives still reach etcd, so its lease and registration stay
 * alive, and its fencing window, 7 s with these leases, does not close). Its candidacy key is
 * deleted under it, another node is elected, and it keeps believing it leads. Every write it then
 * makes is for a live node with current revisions:
 * - opens on behalf of a live worker (registered, lease alive), for accounts nobody holds;
 * - a release of a live grant with its current token;
 * - a queue assignment of an orphaned spool to a live owner (the real controller cannot place it:
 *   every node is draining in etcd, which the deposed one cannot see).
 * So the guard is the only condition that can fail; without it every one of them would commit.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../harness/cluster.ts';
import { EtcdReplyHolder } from '../harness/etcd-proxy.ts';
import { adminToken } from '../../src/cluster/admin-token.ts';
import { RpcError } from '../../src/cluster/rpc/methods.ts';

const OLD = 'mail-0';
let c: TestCluster;
let proxy: EtcdReplyHolder;

beforeAll(async () => {
  // a 7 s fencing window (8 s TTL − 1 s margin): room for the whole held phase, which takes ~4 s
  c = await startTestCluster({ env: { MAILCLUSTER_LEASE_TTL_SECONDS: '8' } });
  proxy = await EtcdReplyHolder.start(c.local.etcdEndpoints[0]!);
  const old = c.node(OLD);
  await old.stop();
  old.env.MAILCLUSTER_ETCD_ENDPOINTS = proxy.endpoint;
  await c.local.startNode(old);
  // make it the controller: the others step down until its candidacy is the oldest
  for (let i = 0; i < 3; i++) {
    const ctl = await c.electedController();
    if (ctl === OLD) break;
    await c.rpc(ctl, 'stepDown', {});
    await c.electedController(20_000, ctl);
  }
  expect(await c.electedController()).toBe(OLD);
});
afterAll(async () => {
  proxy?.release();
  await c?.stop();
  await proxy?.close();
});

type Settled<T> = { ok: true; r: T; at: number } | { ok: false; e: unknown; at: number };
const settle = <T>(p: Promise<T>): Promise<Settled<T>> =>
  p.then((r) => ({ ok: true as const, r, at: Date.now() }), (e: unknown) => ({ ok: false as const, e, at: Date.now() }));

async function until(pred: () => Promise<boolean> | boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`not reached within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a deposed controller', () => {
  it('gets every open, release and queue assignment refused by etcd, for live nodes and current tokens', async () => {
    const oldNode = c.node(OLD);
    const worker = c.nodes.find((n) => n.name !== OLD)!.name;
    const g = await c.rpc(worker, 'acquire', { account: 'under-new@example.test' });
    expect(g.holder).toBe(worker);
    const shared = join(c.local.dataDir, 'shared');
    const token = adminToken({ admin: { token: '' }, cluster: { secret: c.local.secret } });
    const mark = oldNode.logs.length;

    proxy.hold();
    const leaderKv = (await c.etcd.getAll().prefix(c.keys.electionPrefix).sort('Create', 'Ascend').limit(1).exec()).kvs[0]!;
    expect(JSON.parse(leaderKv.value.toString()).node).toBe(OLD);
    await c.etcd.delete().key(leaderKv.key.toString()).exec();
    const next = await c.electedController(5000, OLD);
    expect(next).not.toBe(OLD);
    expect((await c.rpc(OLD, 'status', {}, 2000)).leading).toBe(true); // still believes it leads

    // opens for a live worker and the release of a live grant; each must wait for etcd's answer
    const before = proxy.bytesUp;
    const attempts = [
      ...Array.from({ length: 20 }, (_, i) => settle(c.rpc(OLD, 'open', { account: `race${i}@example.test`, requester: worker }, 15_000))),
      settle(c.rpc(OLD, 'release', { account: 'under-new@example.test', token: g.token }, 15_000)),
    ];
    // their 21 transactions (each well over 100 bytes) have reached etcd and been decided there
    await until(() => proxy.bytesUp - before > 21 * 100, 5000, 'the deposed controller sent its transactions');
    await new Promise((r) => setTimeout(r, 100)); // loopback: etcd has applied (or refused) them
    expect((await c.openKeys()).get('under-new@example.test')?.token).toBe(BigInt(g.token));
    expect([...(await c.openKeys()).keys()].filter((a) => a.startsWith('race'))).toEqual([]);

    // An orphaned spool that only the deposed controller may try to assign: every node drains,
    // so the real controller has no owner to place it on; the deposed one does not see the drains.
    for (const n of c.nodes) await c.etcd.put(c.keys.drain(n.name)).value(JSON.stringify({ since: Date.now() })).exec();
    const port = c.node(next).env.MAILCLUSTER_PORTS_ADMIN;
    await until(async () => {
      const s = (await (await fetch(`http://127.0.0.1:${port}/api/v1/status`, { headers: { authorization: `Bearer ${token}` } })).json()) as { nodes: Array<{ state: string }> };
      return s.nodes.length === 3 && s.nodes.every((n) => n.state === 'draining');
    }, 5000, 'the real controller sees every node draining');
    mkdirSync(join(shared, 'queue', 'mail-gone', 'env'), { recursive: true });
    writeFileSync(join(shared, 'queue', 'mail-gone', 'env', 'q1.json'), '{}');
    // the queue reconciler passes every 2 s: one pass of the deposed controller sees the spool
    await new Promise((r) => setTimeout(r, 2500));
    expect(await c.etcd.get(c.keys.queue('mail-gone')).string()).toBeNull();

    const releasedAt = Date.now();
    proxy.release();
    const results = await Promise.all(attempts);
    for (const res of results) {
      expect(res.ok).toBe(false);
      if (!res.ok) expect((res.e as RpcError).code).toBe('NOT_LEADER');
      expect(res.at).toBeGreaterThanOrEqual(releasedAt); // answered after etcd's reply: the guard decided
    }
    const refused = await oldNode.waitForLog((l) => l.msg === 'queue assignment refused' && l.spoolOf === 'mail-gone', 10_000, mark);
    expect(refused.time).toBeGreaterThanOrEqual(releasedAt);
    await oldNode.waitForLog((l) => l.msg === 'stopped leading', 10_000, mark);
    expect(oldNode.logs.slice(mark).filter((l) => l.msg === 'self-fenced' || l.msg === 'queue assigned')).toEqual([]);
    expect(await c.etcd.get(c.keys.queue('mail-gone')).string()).toBeNull();

    rmSync(join(shared, 'queue', 'mail-gone'), { recursive: true, force: true });
    for (const n of c.nodes) await c.etcd.delete().key(c.keys.drain(n.name)).exec();

    // Now that it knows, it refuses by itself.
    const late = await Promise.all(Array.from({ length: 5 }, (_, i) => settle(c.rpc(OLD, 'open', { account: `late${i}@example.test`, requester: worker }, 10_000))));
    for (const res of late) {
      expect(res.ok).toBe(false);
      if (!res.ok) expect((res.e as RpcError).code).toBe('NOT_LEADER');
    }
    expect(await c.controller()).toBe(next);
    for (const k of (await c.openKeys()).values()) {
      expect(k.account.startsWith('race') || k.account.startsWith('late')).toBe(false);
      if (k.value.controller === OLD) expect(k.value.leaderRev).toBe(leaderKv.create_revision);
    }
  });
});
