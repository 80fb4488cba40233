/**
 * The leadership guard itself, with both "leaders" forced to believe they lead: node A is elected,
 * resigns, B is elected; a lock service holding A's old term (as a paused-and-resumed A would)
 * must be refused by etcd on every write (open, release, queue assignment), each for a live node and
 * a current token, so that the leadership compare is the only one that fails. Real etcd, real nodes
 * in this process.
 */
import { ensureNodePki, nodePkiFiles } from '../../src/cluster/pki/node-pki.ts';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdProcess } from '../../src/devcluster/etcd-process.ts';
import { loadConfig } from '../../src/config/loader.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { MailNode } from '../../worker/node.ts';
import { LockService } from '../../controller/lock-service.ts';
import { QueueReconciler } from '../../controller/queue-reconciler.ts';
import type { Candidate } from '../../controller/election.ts';
import { RpcError } from '../../src/cluster/rpc/methods.ts';

const dir = mkdtempSync(join(tmpdir(), 'mailcluster-guard-'));
const etcd = new EtcdProcess(join(dir, 'etcd'));
const nodes: MailNode[] = [];

function makeNode(name: string): MailNode {
  const config = loadConfig({
    env: {},
    overrides: {
      cluster: { name: 'guard', secret: 's'.repeat(32), ...nodePkiFiles(join(dir, 'pki'), name) },
      node: { name },
      ports: { rpc: 0, admin: 0, smtp: 0, lmtp: 0, peer: 0, submission: 0, submissions: 0, imap: 0, imaps: 0, pop3: 0, pop3s: 0 },
      storage: { root: join(dir, 'shared') },
      etcd: { endpoints: [etcd.endpoint] },
      lease: { ttlSeconds: 3, keepAliveIntervalMs: 500, safetyMarginMs: 1000 },
    },
  });
  const n = new MailNode(config, silentLogger);
  nodes.push(n);
  return n;
}

beforeAll(async () => {
  await ensureNodePki(join(dir, 'pki'), 'guard', ['mail-a', 'mail-b']);
  await etcd.start();
});
afterAll(async () => {
  for (const n of nodes) await n.stop().catch(() => undefined);
  await etcd.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function until(pred: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('leadership guard', () => {
  it('refuses every write of a controller that believes it still leads', async () => {
    const a = makeNode('mail-a');
    await a.start();
    await until(() => a.controller!.candidate.leadership !== undefined);
    const b = makeNode('mail-b');
    await b.start();
    const staleTerm = a.controller!.candidate.leadership!;
    await a.controller!.locks.open('kept@example.test', 'mail-a');

    expect(await a.controller!.candidate.resign()).toBe(true);
    await until(() => b.controller!.candidate.leadership !== undefined);
    const kept = await b.controller!.locks.open('kept@example.test', 'mail-b');
    expect(kept.holder).toBe('mail-a');

    // A lock service that still holds A's old term: it believes it leads.
    const believer = { leadership: staleTerm } as unknown as Candidate;
    const stale = new LockService({ etcd: a.etcd, keys: a.keys, view: a.view, candidate: believer, log: silentLogger, nodeName: 'mail-a', maxAccountsPerNode: 0 });

    const openErr = await stale.open('stolen@example.test', 'mail-a').catch((e: unknown) => e);
    expect((openErr as RpcError).code).toBe('NOT_LEADER');
    expect(await a.etcd.get(a.keys.open('stolen@example.test')).string()).toBeNull();

    const releaseErr = await stale.release('kept@example.test', kept.token).catch((e: unknown) => e);
    expect((releaseErr as RpcError).code).toBe('NOT_LEADER');
    expect(await a.etcd.get(a.keys.open('kept@example.test')).string()).not.toBeNull();

    // Queue assignment: a spool left by a node that is not registered, both owners live.
    mkdirSync(join(dir, 'shared', 'queue', 'mail-gone', 'env'), { recursive: true });
    writeFileSync(join(dir, 'shared', 'queue', 'mail-gone', 'env', 'q1.json'), '{}');
    const staleQueues = new QueueReconciler({ etcd: a.etcd, keys: a.keys, view: a.view, locks: stale, root: join(dir, 'shared'), nodeName: 'mail-a', log: silentLogger, intervalMs: 3_600_000 });
    await staleQueues.pass(staleTerm); // a pass of A's old term, as its leader scope would have started it
    const assigned = await a.etcd.get(a.keys.queue('mail-gone')).string();
    if (assigned !== null) expect(JSON.parse(assigned).controller).toBe('mail-b'); // only the real leader may have assigned it
    // and the real leader does
    await until(() => b.view.queues.has('mail-gone'));
    expect(JSON.parse((await a.etcd.get(a.keys.queue('mail-gone')).string())!).controller).toBe('mail-b');

    // The real leader is unaffected.
    const fresh = await b.controller!.locks.open('fresh@example.test', 'mail-b');
    expect(fresh.holder).toBe('mail-b');
    expect((await b.controller!.locks.release('fresh@example.test', fresh.token)).released).toBe(true);
  });
});
