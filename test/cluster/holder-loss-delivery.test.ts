/**
 * Mail for an account whose holder dies: the receiving node cannot hand it over, so it queues it
 * (250 "queued") with the normal backoff — here a full minute. When the dead holder's lease
 * expires and the grant goes away, the queue retries that mail at once and it reaches the new
 * holder within seconds, not after the backoff.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEASE_TTL_MS, startTestCluster, type TestCluster } from '../harness/cluster.ts';
import { addAccounts, inbox, send, subjectOf } from '../harness/mail.ts';

let c: TestCluster;
beforeAll(async () => {
  c = await startTestCluster({ env: { MAILCLUSTER_QUEUE_RETRY_BASE_MS: '60000' } });
  await addAccounts(c, 'example.test', ['erin']);
});
afterAll(async () => c?.stop());

describe('delivery after the holder is lost', () => {
  it('queued mail for a dead holder\'s account is retried when its grant goes, not after the backoff', async () => {
    const ctl = await c.electedController();
    const [holder, receiver] = c.nodes.filter((n) => n.name !== ctl);
    await c.rpc(holder!.name, 'acquire', { account: 'erin@example.test' });
    await holder!.kill();

    const r = await send(c, receiver!.name, { from: 'a@remote.test', to: 'erin@example.test', subject: 'after the holder died' });
    expect(r.response).toMatch(/^250 2\.0\.0 Ok: queued as /);
    const queuedAt = Date.now();
    await expect.poll(() => inbox(c, 'erin@example.test').map(subjectOf), { timeout: LEASE_TTL_MS + 10_000, interval: 100 }).toEqual(['after the holder died']);
    const waited = Date.now() - queuedAt;
    expect(waited).toBeLessThan(30_000); // well inside the 60 s backoff
    expect(receiver!.logs.some((l) => l.msg === 'holder gone: queued mail retried now')).toBe(true);
    console.log(`holder loss: queued mail delivered ${waited} ms after 250 (lease TTL ${LEASE_TTL_MS} ms, backoff 60 s)`);
  });
});
