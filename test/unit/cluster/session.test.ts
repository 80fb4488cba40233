/**
 * NodeSession's fencing window on a fake clock, against a real etcd whose keep-alive replies the
 * test holds (test/harness/held-etcd.ts): the window closes at the keep-alive's *send* time + TTL −
 * safety margin; a reply that arrives late does not reopen it; a process waking after its window is
 * not serving before any timer runs; the watchdog then fences once and the node registers anew on a
 * fresh lease, revoking the old one.
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
import { NodeSession, type SessionEvents } from '../../../src/cluster/session.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { HeldEtcd } from '../../harness/held-etcd.ts';

const TTL_S = 3;
const MARGIN = 1000;
const WINDOW = TTL_S * 1000 - MARGIN;
const T0 = 1_800_000_000_000;

const dir = mkdtempSync(join(tmpdir(), 'mailcluster-session-'));
const etcdProcess = new EtcdProcess(join(dir, 'etcd'));
let real: Etcd3;
const sessions: NodeSession[] = [];
let seq = 0;

beforeAll(async () => {
  await etcdProcess.start();
  real = createEtcd({ endpoints: [etcdProcess.endpoint], requestTimeoutMs: 3000 });
});
afterEach(async () => {
  for (const s of sessions.splice(0)) await s.stop();
});
afterAll(async () => {
  real?.close();
  await etcdProcess.stop();
  rmSync(dir, { recursive: true, force: true });
});

class FakeClock {
  t = T0;
  now(): number { return this.t; }
}

function session(held: HeldEtcd, clock: FakeClock, keepAliveIntervalMs = 3_600_000): NodeSession {
  const name = `node-${++seq}`;
  const s = new NodeSession({
    etcd: held.etcd,
    keys: new Keys(`session-test-${seq}`),
    log: silentLogger,
    ttlSeconds: TTL_S,
    keepAliveIntervalMs,
    safetyMarginMs: MARGIN,
    describe: () => ({ name, address: '127.0.0.1', ports: {}, role: 'symmetric', version: 'test', started: T0, load: 0 }),
    clock,
  });
  sessions.push(s);
  return s;
}

function nextFence(s: NodeSession): Promise<SessionEvents['fenced'][0]> {
  return once(s, 'fenced').then(([e]) => e as SessionEvents['fenced'][0]);
}

describe('NodeSession fencing window (fake clock, real etcd)', () => {
  it('closes at the registration\'s send time + TTL − margin, checked on every call', async () => {
    const held = new HeldEtcd(real);
    const clock = new FakeClock();
    held.gateStreams(); // no keep-alive yet
    const s = session(held, clock);
    await s.start();
    expect(s.servingUntil).toBe(T0 + WINDOW);
    expect(s.isServing()).toBe(true);
    clock.t = T0 + WINDOW - 1;
    expect(s.isServing()).toBe(true);
    clock.t = T0 + WINDOW;
    expect(s.isServing()).toBe(false); // synchronously: no timer has run since the clock moved
  });

  it('a keep-alive extends the window from when it was sent, not from when its reply came', async () => {
    const held = new HeldEtcd(real);
    const clock = new FakeClock();
    held.gateStreams();
    const s = session(held, clock);
    await s.start();
    clock.t = T0 + 500;
    held.holdReplies = true;
    held.openStreams();
    await held.whenSent(1);
    await held.queuedReplies(1);
    clock.t = T0 + 1900; // the reply is slow, still inside the window
    held.release();
    expect(held.replies).toBe(1);
    expect(s.servingUntil).toBe(T0 + 500 + WINDOW);
    expect(s.isServing()).toBe(true);
    clock.t = T0 + 500 + WINDOW;
    expect(s.isServing()).toBe(false);
  });

  it('a reply arriving after the window closed does not reopen it, and the node fences', async () => {
    const held = new HeldEtcd(real);
    const clock = new FakeClock();
    held.gateStreams();
    const s = session(held, clock);
    await s.start();
    const oldLease = s.lease;
    clock.t = T0 + 1500;
    held.holdReplies = true;
    held.openStreams();
    await held.whenSent(1);
    await held.queuedReplies(1);
    const fenced = nextFence(s);
    // The process "wakes" long after sending: all in one synchronous block, before any timer.
    clock.t = T0 + 1500 + WINDOW + 100;
    expect(s.isServing()).toBe(false);
    held.release();
    expect(held.replies).toBe(1);
    expect(s.isServing()).toBe(false);
    expect(s.servingUntil).toBe(T0 + 1500 + WINDOW);
    const e = await fenced;
    expect(e).toMatchObject({ reason: 'keep-alive window closed', lease: oldLease, servingUntil: T0 + 1500 + WINDOW });
    expect(s.isServing()).toBe(false);
  });

  it('wakes past its window: not serving at once, fences with the window end, re-registers on a new lease and revokes the old', async () => {
    const held = new HeldEtcd(real);
    const clock = new FakeClock();
    held.gateStreams(); // the pause comes before any keep-alive is sent
    const s = session(held, clock);
    await s.start();
    const oldLease = s.lease;
    const fenced = nextFence(s);
    const registered = once(s, 'registered');
    clock.t = T0 + 60_000;
    expect(s.isServing()).toBe(false);
    expect((await fenced).servingUntil).toBe(T0 + WINDOW);
    const [{ lease }] = (await registered) as SessionEvents['registered'];
    expect(lease).not.toBe(oldLease);
    expect(s.lease).toBe(lease);
    expect(s.servingUntil).toBe(T0 + 60_000 + WINDOW);
    expect(s.isServing()).toBe(true);
    const ttl = await real.leaseClient.leaseTimeToLive({ ID: oldLease }).then((r) => Number(r.TTL), () => -1);
    expect(ttl).toBe(-1); // revoked at once, not left to expire
  });

  it('fences when etcd answers a keep-alive with TTL 0 (the lease is gone)', async () => {
    const held = new HeldEtcd(real);
    const clock = new FakeClock(); // never moves: only etcd's answer can end the window
    const s = session(held, clock, 100);
    await s.start();
    const fenced = nextFence(s);
    await real.leaseClient.leaseRevoke({ ID: s.lease });
    const e = await fenced;
    expect(e.reason).toBe('lease expired');
    expect(e.servingUntil).toBe(T0);
    expect(s.isServing()).toBe(false);
  });
});
