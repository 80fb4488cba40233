/**
 * The election on a fake clock against a real etcd: a term is dated by the injected clock; when
 * the node's fencing window closes (the clock moves past it) the candidate is deposed at once, and
 * leads again only on its new lease's candidacy, as it does after etcd ends its lease; a resignation etcd does not confirm is an error,
 * not a silent `true`, and the candidate then campaigns and leads again.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EtcdProcess } from '../../../src/devcluster/etcd-process.ts';
import { createEtcd } from '../../../src/cluster/etcd.ts';
import { Keys } from '../../../src/cluster/keys.ts';
import { NodeSession } from '../../../src/cluster/session.ts';
import { ClusterView } from '../../../src/cluster/view.ts';
import { RpcError } from '../../../src/cluster/rpc/methods.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { Candidate, type CandidateEvents, type Leadership } from '../../../controller/election.ts';

const T0 = 1_900_000_000_000;
const WINDOW = 2000; // TTL 3 s − margin 1 s
const dir = mkdtempSync(join(tmpdir(), 'mailcluster-election-'));
const etcdProcess = new EtcdProcess(join(dir, 'etcd'));
const cleanup: Array<() => Promise<void>> = [];
let seq = 0;

beforeAll(async () => etcdProcess.start());
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f().catch(() => undefined);
});
afterAll(async () => {
  await etcdProcess.stop();
  rmSync(dir, { recursive: true, force: true });
});

class FakeClock {
  t = T0;
  now(): number { return this.t; }
}

async function candidate(clock: FakeClock): Promise<{ etcd: Etcd3; session: NodeSession; candidate: Candidate; keys: Keys }> {
  const name = `node-${++seq}`;
  const keys = new Keys(`election-test-${seq}`);
  const etcd = createEtcd({ endpoints: [etcdProcess.endpoint], requestTimeoutMs: 1000 });
  const view = new ClusterView(etcd, keys, silentLogger);
  const session = new NodeSession({
    etcd, keys, log: silentLogger, ttlSeconds: 3, keepAliveIntervalMs: 500, safetyMarginMs: 1000, clock,
    describe: () => ({ name, address: '127.0.0.1', ports: {}, role: 'symmetric', version: 'test', started: T0, load: 0 }),
  });
  const c = new Candidate(etcd, keys, session, view, name, silentLogger, clock);
  cleanup.push(async () => etcd.close(), async () => view.stop(), async () => session.stop(), async () => c.stop());
  await view.start();
  await session.start();
  c.start();
  return { etcd, session, candidate: c, keys };
}

const elected = (c: Candidate): Promise<Leadership> => once(c, 'elected').then(([l]) => l as Leadership);
const deposed = (c: Candidate): Promise<CandidateEvents['deposed'][0]> => once(c, 'deposed').then(([e]) => e as CandidateEvents['deposed'][0]);

describe('Candidate (fake clock, real etcd)', () => {
  it('dates its term by the injected clock', async () => {
    const clock = new FakeClock();
    clock.t = T0 + 123;
    const { candidate: c } = await candidate(clock);
    const l = c.leadership ?? (await elected(c));
    expect(l.since).toBe(T0 + 123);
  });

  it('is deposed the moment its fencing window closes, and leads again only on its new lease', async () => {
    const clock = new FakeClock();
    const { candidate: c, session } = await candidate(clock);
    const first = c.leadership ?? (await elected(c));
    const lost = deposed(c);
    const again = elected(c);
    clock.t = session.servingUntil + 1; // no keep-alive reply can move the window now: the clock stands still otherwise
    const e = await lost;
    expect(e).toMatchObject({ reason: 'fenced', leadership: first });
    expect(c.leadership).toBeUndefined();
    const second = await again;
    expect(second.key).not.toBe(first.key); // a candidacy on the new lease, never the old one
    expect(BigInt(second.leaderRev)).toBeGreaterThan(BigInt(first.leaderRev));
  });

  it('is deposed when etcd ends its lease (keep-alive answered TTL 0), and is elected again on a new lease', async () => {
    const clock = new FakeClock(); // standing still: only etcd's answer can end the term
    const { candidate: c, session, etcd } = await candidate(clock);
    const first = c.leadership ?? (await elected(c));
    const lost = deposed(c);
    const again = elected(c);
    await etcd.leaseClient.leaseRevoke({ ID: session.lease });
    // Whichever it learns first: the view sees the key deleted, or the keep-alive is answered TTL 0.
    const e = await lost;
    expect(e.leadership).toEqual(first);
    expect(['candidacy key gone', 'fenced']).toContain(e.reason);
    const second = await again;
    expect(second.lease).not.toBe(first.lease);
    expect(second.lease).toBe(session.lease);
    expect(BigInt(second.leaderRev)).toBeGreaterThan(BigInt(first.leaderRev));
    expect(second.since).toBe(T0);
  });

  it('is not deposed by a view that has not yet caught up with the revision its term was won at', async () => {
    // The view loads, then stops watching: it stays loaded at a revision before this node's
    // registration and candidacy, as a watch lagging the read that confirmed the win does.
    const clock = new FakeClock();
    const name = `node-${++seq}`;
    const keys = new Keys(`election-test-${seq}`);
    const etcd = createEtcd({ endpoints: [etcdProcess.endpoint], requestTimeoutMs: 1000 });
    const view = new ClusterView(etcd, keys, silentLogger);
    const session = new NodeSession({
      etcd, keys, log: silentLogger, ttlSeconds: 3, keepAliveIntervalMs: 500, safetyMarginMs: 1000, clock,
      describe: () => ({ name, address: '127.0.0.1', ports: {}, role: 'symmetric', version: 'test', started: T0, load: 0 }),
    });
    const c = new Candidate(etcd, keys, session, view, name, silentLogger, clock);
    cleanup.push(async () => etcd.close(), async () => session.stop(), async () => c.stop());
    await view.start();
    await view.stop();
    await session.start();
    const won = elected(c);
    c.start();
    const term = await won;
    expect(view.loaded).toBe(true);
    expect(BigInt(view.revision)).toBeLessThan(BigInt(term.leaderRev));
    expect(view.candidates.has(term.key)).toBe(false);
    view.emit('changed'); // a batch that does not reach the win's revision
    expect(c.leadership).toEqual(term);
  });

  it('a resignation that etcd does not confirm is an error, and the candidate campaigns and leads again', async () => {
    const clock = new FakeClock(); // standing still: the session stays inside its window while etcd is stopped
    const { candidate: c, etcd } = await candidate(clock);
    const first = c.leadership ?? (await elected(c));
    process.kill(etcdProcess.pid!, 'SIGSTOP');
    let err: unknown;
    try {
      // A stopped etcd can still answer for a few milliseconds (its threads stop when next
      // scheduled; on a loaded machine some requests got through): resign only once one did not.
      while (await etcd.get(first.key).exec().then(() => true, () => false));
      err = await c.resign().then(() => undefined, (e: unknown) => e);
    } finally {
      process.kill(etcdProcess.pid!, 'SIGCONT');
    }
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).code).toBe('ETCD_UNAVAILABLE');
    // Whether etcd applied the delete when it resumed is unknown to the caller: the candidate
    // campaigns again either way and leads (it is the only one).
    const again = c.leadership ?? (await elected(c));
    expect(BigInt(again.leaderRev)).toBeGreaterThanOrEqual(BigInt(first.leaderRev));
    // and a confirmed resignation removes the key and says so
    expect(await c.resign()).toBe(true);
    expect(await etcd.get(again.key).string()).toBeNull();
    expect(await c.resign()).toBe(false); // not leading now
  });
});
