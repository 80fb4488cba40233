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
import { QueueRunner } from '../../../worker/delivery/queue-runner.ts';
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
});
