/**
 * The queue runner on a real spool (temp dir, fsync): a temporary failure waits for its backoff,
 * `flush` retries it at once from the envelope it holds, and the oldest-message age it reports
 * (for /metrics) follows what is still queued. The router is a stand-in: only its outcomes matter.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log/logger.ts';
import { newEnvelope, newQueueId, Spool } from '../../../src/queue/spool.ts';
import { CLUSTER_RETRY_MS, QueueRunner } from '../../../worker/delivery/queue-runner.ts';
import type { Router } from '../../../worker/delivery/router.ts';

const dir = mkdtempSync(join(tmpdir(), 'mailcluster-queue-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('QueueRunner', () => {
  it('flush retries a deferred message now; oldestReceived follows the queue', async () => {
    const spool = new Spool(dir, 'mail-0');
    await spool.init();
    let attempts = 0;
    let up = false;
    const router = {
      route: async (_from: string, rcpts: string[]) => {
        attempts++;
        return rcpts.map((address) => (up ? { address, ok: true } : { address, ok: false, permanent: false, reply: '451 4.4.0 holder unreachable' }));
      },
    } as unknown as Router;
    const runner = new QueueRunner({ spool, router, log: silentLogger, retryBaseMs: 60_000, retryMaxMs: 60_000, lifetimeMs: 3_600_000 });
    await runner.start();
    expect(runner.oldestReceived).toBeUndefined();
    const env = await spool.accept(newQueueId(), '', Readable.from([Buffer.from('Subject: x\r\n\r\nhi\r\n')]), newEnvelope('a@remote.test', ['u@example.test'], 'inbound'), 1 << 20);
    runner.enqueue(env);
    await expect.poll(() => attempts).toBe(1);
    await expect.poll(() => runner.depth).toBe(1); // deferred for a minute
    expect(runner.oldestReceived).toBe(env.received);
    up = true;
    expect(runner.flush()).toBe(1);
    await expect.poll(() => attempts).toBe(2);
    await expect.poll(() => runner.depth).toBe(0);
    expect(runner.oldestReceived).toBeUndefined();
    expect(readdirSync(join(dir, 'queue', 'mail-0', 'env'))).toEqual([]);
    await runner.stop();
  });

  it('retryFor(account) retries at once only the messages waiting for that account', async () => {
    const spool = new Spool(dir, 'mail-1');
    await spool.init();
    const routed: string[][] = [];
    let up = false;
    const router = {
      route: async (_from: string, rcpts: string[]) => {
        routed.push(rcpts);
        return rcpts.map((address) => (up ? { address, ok: true } : { address, ok: false, permanent: false, reply: '451 4.4.0 holder unreachable' }));
      },
    } as unknown as Router;
    const runner = new QueueRunner({ spool, router, log: silentLogger, retryBaseMs: 60_000, retryMaxMs: 60_000, lifetimeMs: 3_600_000 });
    await runner.start();
    for (const to of ['a@example.test', 'b@example.test']) {
      runner.enqueue(await spool.accept(newQueueId(), '', Readable.from([Buffer.from('Subject: x\r\n\r\nhi\r\n')]), newEnvelope('s@remote.test', [to], 'inbound'), 1 << 20));
    }
    await expect.poll(() => routed.length).toBe(2);
    await expect.poll(() => runner.depth).toBe(2);
    up = true;
    expect(runner.retryFor('c@example.test')).toBe(0);
    expect(runner.retryFor('a@example.test')).toBe(1);
    await expect.poll(() => routed.length).toBe(3);
    expect(routed[2]).toEqual(['a@example.test']);
    await expect.poll(() => runner.depth).toBe(1); // b still waits for its backoff
    await runner.stop();
  });

  it('a grant that goes away while an attempt for it is in flight retries the message as soon as that attempt is deferred', async () => {
    const spool = new Spool(dir, 'mail-3');
    await spool.init();
    let calls = 0;
    let release!: () => void;
    const router = {
      route: async (_from: string, rcpts: string[]) => {
        calls++;
        // the first attempt is still waiting on the old grant when it goes away
        if (calls === 1) await new Promise<void>((r) => (release = r));
        return rcpts.map((address) => (calls === 1 ? { address, ok: false, permanent: false, reply: '451 4.3.0 not held' } : { address, ok: true }));
      },
    } as unknown as Router;
    const runner = new QueueRunner({ spool, router, log: silentLogger, retryBaseMs: 60_000, retryMaxMs: 60_000, lifetimeMs: 3_600_000 });
    await runner.start();
    runner.enqueue(await spool.accept(newQueueId(), '', Readable.from([Buffer.from('Subject: x\r\n\r\nhi\r\n')]), newEnvelope('s@remote.test', ['a@example.test'], 'inbound'), 1 << 20));
    await expect.poll(() => calls).toBe(1);
    expect(runner.retryFor('a@example.test')).toBe(0); // in flight: not rescheduled now...
    release();
    await expect.poll(() => calls).toBe(2); // ...but retried at once when it fails, not in a minute
    await expect.poll(() => runner.depth).toBe(0);
    await runner.stop();
  });

  it('delivers as a retry whatever may have been stored already: recovered at start, a later attempt, a taken-over spool', async () => {
    const spool = new Spool(dir, 'mail-2');
    await spool.init();
    const body = () => Readable.from([Buffer.from('Subject: x\r\n\r\nhi\r\n')]);
    const old = await spool.accept(newQueueId(), '', body(), newEnvelope('s@remote.test', ['old@example.test'], 'inbound'), 1 << 20);
    const calls: Array<{ to: string; retry: boolean; queueId: string }> = [];
    let fail = true;
    const router = {
      route: async (_from: string, rcpts: string[], _m: Buffer, queued: { queueId: string; retry: boolean }) => {
        calls.push({ to: rcpts[0]!, retry: queued.retry, queueId: queued.queueId });
        return rcpts.map((address) => (address.startsWith('new') && fail ? { address, ok: false, permanent: false, reply: '451 4.4.0 later' } : { address, ok: true }));
      },
    } as unknown as Router;
    const runner = new QueueRunner({ spool, router, log: silentLogger, retryBaseMs: 60_000, retryMaxMs: 60_000, lifetimeMs: 3_600_000 });
    await runner.start(); // finds `old`: the previous run may have been delivering it
    await expect.poll(() => calls.length).toBe(1);
    expect(calls[0]).toEqual({ to: 'old@example.test', retry: true, queueId: old.id });
    const fresh = await spool.accept(newQueueId(), '', body(), newEnvelope('s@remote.test', ['new@example.test'], 'inbound'), 1 << 20);
    runner.enqueue(fresh);
    await expect.poll(() => calls.length).toBe(2);
    expect(calls[1]).toEqual({ to: 'new@example.test', retry: false, queueId: fresh.id }); // first attempt
    fail = false;
    runner.flush();
    await expect.poll(() => calls.length).toBe(3);
    expect(calls[2]).toEqual({ to: 'new@example.test', retry: true, queueId: fresh.id }); // its outcome may be unknown
    await runner.stop();

    const takeover = new QueueRunner({ spool: new Spool(dir, 'mail-3'), takenOver: true, router, log: silentLogger, retryBaseMs: 60_000, retryMaxMs: 60_000, lifetimeMs: 3_600_000 });
    await takeover.start();
    const theirs = await new Spool(dir, 'mail-3').accept(newQueueId(), '', body(), newEnvelope('s@remote.test', ['x@example.test'], 'inbound'), 1 << 20);
    takeover.enqueue(theirs);
    await expect.poll(() => calls.length).toBe(4);
    expect(calls[3]).toEqual({ to: 'x@example.test', retry: true, queueId: theirs.id });
    await takeover.stop();
  });

  describe('an attempt that failed only for the cluster (etcd or the lock service unreachable)', () => {
    const body = () => Readable.from([Buffer.from('Subject: x\r\n\r\nhi\r\n')]);
    const clusterDown = (address: string) => ({ address, ok: false, permanent: false, cluster: true, reply: '451 4.3.0 cannot open account: no controller' });
    const diskFull = (address: string) => ({ address, ok: false, permanent: false, reply: '452 4.3.1 insufficient storage' });

    it('does not grow the backoff, and clusterBack() retries it at once (not a message deferred for its own reason)', async () => {
      const spool = new Spool(dir, 'mail-4');
      await spool.init();
      const results: Record<string, Array<(a: string) => unknown>> = {
        'out@example.test': [clusterDown, clusterDown, clusterDown, diskFull],
        'full@example.test': [diskFull],
      };
      const routed: string[] = [];
      const router = {
        route: async (_from: string, rcpts: string[]) => rcpts.map((a) => (routed.push(a), results[a]!.shift()!(a))),
      } as unknown as Router;
      const runner = new QueueRunner({ spool, router, log: silentLogger, retryBaseMs: 60_000, retryMaxMs: 3_600_000, lifetimeMs: 3_600_000 });
      await runner.start();
      const out = await spool.accept(newQueueId(), '', body(), newEnvelope('s@remote.test', ['out@example.test'], 'inbound'), 1 << 20);
      const full = await spool.accept(newQueueId(), '', body(), newEnvelope('s@remote.test', ['full@example.test'], 'inbound'), 1 << 20);
      runner.enqueue(out);
      runner.enqueue(full);
      await expect.poll(() => routed.length).toBe(2);
      await expect.poll(() => runner.depth).toBe(2);
      const attemptsOnDisk = async () => (await spool.recover()).find((e) => e.id === out.id)?.attempts;
      for (let n = 2; n <= 4; n++) {
        await expect.poll(attemptsOnDisk).toBe(n - 1); // deferred and waiting again
        await new Promise((r) => setImmediate(r));
        expect(runner.clusterBack()).toBe(1); // only `out` waits for the cluster
        await expect.poll(() => routed.filter((a) => a === 'out@example.test').length).toBe(n);
      }
      expect(routed.filter((a) => a === 'full@example.test')).toHaveLength(1);
      // the fourth attempt failed for a reason of its own: its backoff is the first one (60 s),
      // as if the three outage attempts had not happened (before: 60 s × 2³ = 8 min)
      await expect.poll(attemptsOnDisk).toBe(4);
      const env = (await spool.recover()).find((e) => e.id === out.id)!;
      expect(env.outageAttempts).toBe(3);
      expect(env.waitsForCluster).toBe(false);
      expect(env.nextAttempt - Date.now()).toBeGreaterThan(50_000);
      expect(env.nextAttempt - Date.now()).toBeLessThanOrEqual(60_000);
      expect(runner.clusterBack()).toBe(0);
      await runner.stop();
    });

    it('without a signal is retried within CLUSTER_RETRY_MS, not after the backoff', async () => {
      const spool = new Spool(dir, 'mail-5');
      await spool.init();
      let calls = 0;
      const router = {
        route: async (_from: string, rcpts: string[]) => rcpts.map((a) => (++calls === 1 ? clusterDown(a) : { address: a, ok: true })),
      } as unknown as Router;
      const runner = new QueueRunner({ spool, router, log: silentLogger, retryBaseMs: 60_000, retryMaxMs: 3_600_000, lifetimeMs: 3_600_000 });
      await runner.start();
      runner.enqueue(await spool.accept(newQueueId(), '', body(), newEnvelope('s@remote.test', ['a@example.test'], 'inbound'), 1 << 20));
      await expect.poll(() => calls, { timeout: CLUSTER_RETRY_MS + 3000, interval: 100 }).toBe(2);
      await expect.poll(() => runner.depth).toBe(0);
      await runner.stop();
    });

    it('a runner started later retries it at once, not at its stored nextAttempt; other deferrals keep theirs', async () => {
      const spool = new Spool(dir, 'mail-6');
      await spool.init();
      let down = true;
      const router = {
        route: async (_from: string, rcpts: string[]) => rcpts.map((a) => (a.startsWith('full') ? diskFull(a) : down ? clusterDown(a) : { address: a, ok: true })),
      } as unknown as Router;
      const first = new QueueRunner({ spool, router, log: silentLogger, retryBaseMs: 60_000, retryMaxMs: 3_600_000, lifetimeMs: 3_600_000 });
      await first.start();
      const waiting = await spool.accept(newQueueId(), '', body(), newEnvelope('s@remote.test', ['w@example.test'], 'inbound'), 1 << 20);
      const full = await spool.accept(newQueueId(), '', body(), newEnvelope('s@remote.test', ['full@example.test'], 'inbound'), 1 << 20);
      first.enqueue(waiting);
      first.enqueue(full);
      await expect.poll(async () => (await spool.recover()).map((e) => e.attempts)).toEqual([1, 1]);
      await first.stop(); // the node fenced itself: its runners stop
      // a stale nextAttempt, as a release without this fix stored after two outage attempts
      const stale = (await spool.recover()).find((e) => e.id === waiting.id)!;
      await spool.update({ ...stale, nextAttempt: Date.now() + 120_000 });
      down = false;
      const second = new QueueRunner({ spool, router, log: silentLogger, retryBaseMs: 60_000, retryMaxMs: 3_600_000, lifetimeMs: 3_600_000 });
      await second.start(); // registered again: the cause is gone
      await expect.poll(async () => (await spool.recover()).map((e) => e.id)).toEqual([full.id]);
      expect(second.depth).toBe(1); // the full disk still waits for its backoff
      await second.stop();
    });
  });
  it('adoptNew: a taken-over spool delivers envelopes its owner committed after the takeover, once each, as retries', async () => {
    const owner = new Spool(dir, 'mail-7'); // the cut-off node, still accepting mail
    await owner.init();
    const routed: { rcpts: string[]; retry: boolean }[] = [];
    const router = {
      route: async (_from: string, rcpts: string[], _m: Buffer, q: { retry: boolean }) => {
        routed.push({ rcpts, retry: q.retry });
        return rcpts.map((address) => ({ address, ok: true }));
      },
    } as unknown as Router;
    const accept = async (to: string) => owner.accept(newQueueId(), '', Readable.from([Buffer.from('Subject: x\r\n\r\nhi\r\n')]), newEnvelope('s@remote.test', [to], 'inbound'), 1 << 20);
    await accept('before@example.test');
    const taker = new QueueRunner({ spool: new Spool(dir, 'mail-7'), router, log: silentLogger, retryBaseMs: 60_000, retryMaxMs: 60_000, lifetimeMs: 3_600_000, takenOver: true });
    expect(await taker.start()).toBe(1);
    await expect.poll(() => routed.length).toBe(1);
    await expect.poll(() => taker.depth).toBe(0);
    await accept('after@example.test');
    expect(await taker.adoptNew()).toBe(1);
    await expect.poll(() => routed.length).toBe(2);
    expect(routed[1]).toEqual({ rcpts: ['after@example.test'], retry: true });
    await expect.poll(() => taker.depth).toBe(0);
    expect(await taker.adoptNew()).toBe(0); // finished ones are gone, nothing comes back twice
    expect(readdirSync(join(dir, 'queue', 'mail-7', 'env'))).toEqual([]);
    expect(routed).toHaveLength(2);
    await taker.stop();
  });
});
