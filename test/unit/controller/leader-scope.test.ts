/**
 * LeaderScope on a real Candidate (real etcd, fake clock): runnables start with each won term and
 * its signal, abort the moment the term ends (the fencing window closes when the clock moves past
 * it; a resignation), a runnable of an old term that writes after a newer term was won is refused
 * by etcd's guard, and a new term never starts while a runnable of the previous one still runs.
 * Also the shared loop: passes at once, on kicks, and stops with its signal.
 */
import { EventEmitter, once } from 'node:events';
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
import { silentLogger } from '../../../src/log/logger.ts';
import { Candidate, guard, type Leadership } from '../../../controller/election.ts';
import { LeaderScope, reconcileUntilAborted, Wake, type LeaderRunnable } from '../../../controller/leader-scope.ts';
import { MembershipReconciler } from '../../../controller/membership-reconciler.ts';

const T0 = 1_950_000_000_000;
const dir = mkdtempSync(join(tmpdir(), 'mailcluster-scope-'));
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

interface Fixture { etcd: Etcd3; keys: Keys; view: ClusterView; session: NodeSession; candidate: Candidate; scope: LeaderScope; clock: FakeClock; name: string }

/** One node's election with a scope around it; `register` adds runnables before anything starts. */
async function fixture(register: (scope: LeaderScope) => void): Promise<Fixture> {
  const clock = new FakeClock();
  const name = `node-${++seq}`;
  const keys = new Keys(`scope-test-${seq}`);
  const etcd = createEtcd({ endpoints: [etcdProcess.endpoint], requestTimeoutMs: 1000 });
  const view = new ClusterView(etcd, keys, silentLogger);
  const session = new NodeSession({
    etcd, keys, log: silentLogger, ttlSeconds: 3, keepAliveIntervalMs: 500, safetyMarginMs: 1000, clock,
    describe: () => ({ name, address: '127.0.0.1', ports: {}, role: 'symmetric', version: 'test', started: T0, load: 0 }),
  });
  const candidate = new Candidate(etcd, keys, session, view, name, silentLogger, clock);
  const scope = new LeaderScope(candidate, silentLogger);
  register(scope);
  cleanup.push(async () => etcd.close(), async () => view.stop(), async () => session.stop(), async () => candidate.stop(), async () => scope.stop());
  await view.start();
  await session.start();
  scope.start();
  candidate.start();
  return { etcd, keys, view, session, candidate, scope, clock, name };
}

interface Run { term: Leadership; signal: AbortSignal; abortedAtDeposal?: boolean; finished: boolean }

/** A runnable that records each start and returns when its signal aborts (after `hold`, if set). */
function recorder(): { run: LeaderRunnable; runs: Run[]; started: EventEmitter; log: string[]; hold?: Promise<void> } {
  const started = new EventEmitter();
  const r: ReturnType<typeof recorder> = {
    runs: [],
    started,
    log: [],
    run: async (term, signal) => {
      const entry: Run = { term, signal, finished: false };
      r.runs.push(entry);
      r.log.push(`start ${term.leaderRev}`);
      started.emit('run', entry);
      await aborted(signal);
      r.log.push(`aborted ${term.leaderRev}`);
      if (r.hold) await r.hold;
      entry.finished = true;
      r.log.push(`end ${term.leaderRev}`);
    },
  };
  return r;
}

const aborted = (s: AbortSignal): Promise<void> => (s.aborted ? Promise.resolve() : once(s, 'abort').then(() => undefined));
const nextRun = (r: ReturnType<typeof recorder>): Promise<Run> => once(r.started, 'run').then(([e]) => e as Run);
const elected = (c: Candidate): Promise<Leadership> => once(c, 'elected').then(([l]) => l as Leadership);

async function until(pred: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = performance.now() + ms;
  while (!(await pred())) {
    if (performance.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('LeaderScope (real election, fake clock)', () => {
  it('starts every runnable with the won term and aborts them the moment the term ends', async () => {
    const a = recorder();
    const b = recorder();
    const firstA = nextRun(a);
    const f = await fixture((s) => {
      s.register('a', a.run);
      s.register('b', b.run);
    });
    const runA = await firstA;
    await until(() => b.runs.length === 1);
    const term = f.candidate.leadership!;
    expect(runA.term).toEqual(term);
    expect(b.runs[0]!.term).toEqual(term);
    expect(f.scope.current).toEqual(term);
    expect(runA.signal.aborted).toBe(false);

    // The fencing window closes: deposed, and both signals abort synchronously with that event.
    let abortedWithDeposal: boolean[] = [];
    f.candidate.once('deposed', () => {
      abortedWithDeposal = [runA.signal.aborted, b.runs[0]!.signal.aborted];
    });
    const secondA = nextRun(a);
    f.clock.t = f.session.servingUntil + 1;
    await until(() => abortedWithDeposal.length === 2);
    expect(abortedWithDeposal).toEqual([true, true]);
    expect(f.scope.current).not.toEqual(term);

    // Re-elected on the new lease: a new run with the new term, never the old one again.
    const runA2 = await secondA;
    expect(runA2.term.lease).not.toBe(term.lease);
    expect(BigInt(runA2.term.leaderRev)).toBeGreaterThan(BigInt(term.leaderRev));
    expect(runA2.term).toEqual(f.candidate.leadership);
    expect(a.runs).toHaveLength(2);
    await until(() => b.runs.length === 2);

    // A resignation ends the term too; the only candidate campaigns and leads again.
    const thirdA = nextRun(a);
    expect(await f.candidate.resign()).toBe(true);
    expect(runA2.signal.aborted).toBe(true);
    const runA3 = await thirdA;
    expect(BigInt(runA3.term.leaderRev)).toBeGreaterThan(BigInt(runA2.term.leaderRev));

    // Stopping the scope aborts the current term and waits for its runnables.
    await f.scope.stop();
    expect(runA3.signal.aborted).toBe(true);
    expect(a.runs.every((r) => r.finished) && b.runs.every((r) => r.finished)).toBe(true);
  });

  it('never starts a term while a runnable of the previous term still runs, and that runnable can no longer write', async () => {
    const r = recorder();
    let release!: () => void;
    r.hold = new Promise((res) => { release = res; });
    const staleWrites: boolean[] = [];
    let etcdOf: Etcd3 | undefined;
    let keysOf: Keys | undefined;
    // Finishing after its term ended (held), it tries one guarded write with the term it started with.
    const lateWriter: LeaderRunnable = async (term, signal) => {
      await aborted(signal);
      await r.hold;
      const res = await guard(etcdOf!, term).then(etcdOf!.put(keysOf!.queue(`late-${term.leaderRev}`)).value('x')).commit();
      staleWrites.push(res.succeeded);
    };
    const first = nextRun(r);
    const f = await fixture((s) => {
      s.register('recorder', r.run);
      s.register('late writer', lateWriter);
    });
    etcdOf = f.etcd;
    keysOf = f.keys;
    const old = (await first).term;

    const reElected = elected(f.candidate);
    f.clock.t = f.session.servingUntil + 1; // fenced: deposed
    const next = await reElected; // the candidate leads again on its new lease (the old key is revoked)…
    expect(BigInt(next.leaderRev)).toBeGreaterThan(BigInt(old.leaderRev));
    expect(await f.etcd.get(old.key).string()).toBeNull();
    // …but the scope has not started the new term: the old term's runnables are still running.
    await new Promise((res) => setTimeout(res, 300)); // long enough for a started term to be seen; nothing may happen
    expect(r.runs).toHaveLength(1);
    expect(f.scope.current).toBeUndefined();

    const second = nextRun(r);
    release();
    const run2 = await second;
    expect(run2.term).toEqual(next);
    expect(r.log).toEqual([`start ${old.leaderRev}`, `aborted ${old.leaderRev}`, `end ${old.leaderRev}`, `start ${next.leaderRev}`]);
    expect(staleWrites).toEqual([false]); // the old term's write was refused by etcd
    expect(await f.etcd.get(f.keys.queue(`late-${old.leaderRev}`)).string()).toBeNull();
  });

  it('a reconciler pass of an old term writes nothing; the same pass under the current term does', async () => {
    const f = await fixture(() => undefined);
    const old = f.candidate.leadership ?? (await elected(f.candidate));
    const reElected = elected(f.candidate);
    f.clock.t = f.session.servingUntil + 1;
    const current = await reElected;
    await until(() => f.view.nodes.has(f.name));
    const membership = new MembershipReconciler({ etcd: f.etcd, keys: f.keys, view: f.view, nodeName: f.name, log: silentLogger, clock: f.clock });

    await membership.pass(old);
    expect((await f.etcd.getAll().prefix(f.keys.membersPrefix).keys()).length).toBe(0);

    await membership.pass(current);
    const written = await f.etcd.get(f.keys.member(f.name)).json() as { state: string; since: number };
    expect(written).toMatchObject({ state: 'up', since: f.clock.t });
  });
});

describe('reconcileUntilAborted', () => {
  it('passes at once, again on each kick (kicks during a pass make one more), survives a failing pass, and stops with its signal', async () => {
    const abort = new AbortController();
    const wake = new Wake();
    let passes = 0;
    let gate: (() => void) | undefined;
    const passed = new EventEmitter();
    const loop = reconcileUntilAborted({
      signal: abort.signal,
      intervalMs: 3_600_000, // every pass after the first comes from a kick
      wake,
      log: silentLogger,
      what: 'test pass',
      pass: async () => {
        passes++;
        if (passes === 2) {
          await new Promise<void>((res) => { gate = res; });
          throw new Error('this pass fails');
        }
        passed.emit('pass', passes);
      },
    });
    expect(passes).toBe(1);
    const second = () => until(() => gate !== undefined);
    wake.kick();
    await second();
    expect(passes).toBe(2);
    wake.kick();
    wake.kick(); // both during pass 2: one more pass
    const third = once(passed, 'pass');
    gate!();
    expect((await third)[0]).toBe(3);
    await new Promise((res) => setTimeout(res, 50)); // give a wrongly repeated pass the chance to run
    expect(passes).toBe(3);
    abort.abort();
    await loop;
    expect(passes).toBe(3);
  });
});
