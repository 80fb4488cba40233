/**
 * 3 nodes, 50 accounts opened concurrently from every node: each account ends up with exactly
 * one holder, every requester was told the same holder and token, and every node's routing
 * cache agrees (acquire answers from the cache once the grant is known).
 */
import { request } from 'node:https';
import { NodeTls } from '../../src/cluster/pki/node-tls.ts';
import { nodePkiFiles } from '../../src/cluster/pki/node-pki.ts';
import { RpcClient } from '../../src/cluster/rpc/client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts, HARNESS_NODE, startTestCluster, type TestCluster } from '../harness/cluster.ts';
import { RpcError } from '../../src/cluster/rpc/methods.ts';

let c: TestCluster;
beforeAll(async () => {
  c = await startTestCluster();
  await c.electedController();
});
afterAll(async () => c?.stop());

describe('open locks on a 3-node cluster', () => {
  it('gives every account exactly one holder, agreed by all nodes', async () => {
    const names = accounts(50);
    const requests = names.flatMap((account) => c.nodes.map((n) => c.rpc(n.name, 'acquire', { account }).then((g) => ({ from: n.name, ...g }))));
    const replies = await Promise.all(requests);
    const keys = await c.openKeys();
    expect(keys.size).toBe(50);
    for (const account of names) {
      const forAccount = replies.filter((r) => r.account === account);
      expect(forAccount).toHaveLength(3);
      const key = keys.get(account)!;
      for (const r of forAccount) {
        expect(r.holder).toBe(key.holder);
        expect(BigInt(r.token)).toBe(key.token);
      }
    }
    // Whoever won the race, the holder is one of the requesters (all symmetric nodes may hold).
    expect([...keys.values()].every((k) => ['mail-0', 'mail-1', 'mail-2'].includes(k.holder))).toBe(true);

    // Each node holds exactly the accounts etcd says it holds (after its watch delivered them).
    await expect.poll(async () => {
      const held = await Promise.all(c.nodes.map((n) => c.rpc(n.name, 'status', {})));
      return held.flatMap((s) => s.held.map((h) => `${h.account}=${s.node}/${h.token}`)).sort();
    }, { timeout: 10_000 }).toEqual([...keys.values()].map((k) => `${k.account}=${k.holder}/${k.token}`).sort());

    // A second round answers from every node's cache with identical results.
    const again = await Promise.all(names.flatMap((account) => c.nodes.map((n) => c.rpc(n.name, 'acquire', { account }))));
    for (const g of again) expect(`${g.holder}/${g.token}`).toBe(`${keys.get(g.account)!.holder}/${keys.get(g.account)!.token}`);
  });

  it('grants an unopened account to the node that asks for it (no proxy hop)', async () => {
    for (const n of c.nodes) {
      const grants = await Promise.all(accounts(5, `own-${n.name}-`).map((account) => c.rpc(n.name, 'acquire', { account })));
      expect(grants.map((g) => g.holder)).toEqual(Array(5).fill(n.name));
    }
  });

  it('normalises account names and refuses bad ones without retrying', async () => {
    const g = await c.rpc('mail-0', 'acquire', { account: 'Carol@Example.TEST' });
    expect(g.account).toBe('carol@example.test');
    for (const bad of ['../../etc/passwd@example.test', 'a/b@example.test', 'nobody', 'x@bad_domain']) {
      const err = await c.rpc('mail-1', 'acquire', { account: bad }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RpcError);
      expect((err as RpcError).code).toBe('BAD_ACCOUNT');
    }
    expect([...(await c.openKeys()).keys()].some((k) => k.includes('/') || k.includes('..'))).toBe(false);
  });

  it('refuses unsigned RPCs and RPCs signed without the cluster secret, even over a node certificate', async () => {
    const harnessTls = NodeTls.load(HARNESS_NODE, nodePkiFiles(c.local.nodePkiDir, HARNESS_NODE));
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ ...harnessTls.clientOptions('mail-0'), host: '127.0.0.1', port: Number(c.node('mail-0').env.MAILCLUSTER_PORTS_RPC), method: 'POST', path: '/rpc/acquire', agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(JSON.stringify({ account: 'x@example.test' }));
    });
    expect(status).toBe(401);
    const wrong = new RpcClient('x'.repeat(40), HARNESS_NODE, harnessTls);
    const err = await wrong.call(await c.rpcEndpoint('mail-0'), 'status', {}, 2000).catch((e: unknown) => e);
    wrong.close();
    expect((err as RpcError).code).toBe('UNAUTHENTICATED');
  });
});
