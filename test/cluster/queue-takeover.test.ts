/**
 * A node answers 250 and is killed with -9 before it delivered: after its lease expires the
 * controller assigns its spool to a live node, which delivers the message — once.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../harness/cluster.ts';
import { addAccounts, inbox, send, subjectOf } from '../harness/mail.ts';

let c: TestCluster;
beforeAll(async () => {
  c = await startTestCluster({ env: { MAILCLUSTER_QUEUE_RETRY_BASE_MS: '300' } });
  await addAccounts(c, 'example.test', ['dora']);
});
afterAll(async () => c?.stop());

describe('queue takeover', () => {
  it('delivers a dead node\'s accepted mail exactly once', async () => {
    const ctl = await c.electedController();
    const [holder, spooler] = c.nodes.filter((n) => n.name !== ctl);
    await c.rpc(holder!.name, 'acquire', { account: 'dora@example.test' });

    // The holder stalls (its LMTP does not answer), so the spooling node cannot hand over.
    holder!.pause();
    const r = await send(c, spooler!.name, { from: 'a@remote.test', to: 'dora@example.test', subject: 'survives its node' });
    expect(r.response).toMatch(/^250 /);
    const envDir = join(c.local.dataDir, 'shared', 'queue', spooler!.name, 'env');
    expect(readdirSync(envDir)).toHaveLength(1);
    await spooler!.kill();
    holder!.resume();

    await expect.poll(() => inbox(c, 'dora@example.test').map(subjectOf), { timeout: 20_000, interval: 100 }).toEqual(['survives its node']);
    const taken = c.nodes.filter((n) => n !== spooler).flatMap((n) => n.logs.filter((l) => l.msg === 'queue taken over').map(() => n.name));
    expect(taken.length).toBe(1);
    await expect.poll(() => readdirSync(envDir), { timeout: 10_000 }).toEqual([]);
    // The assignment is released once the spool is empty.
    await expect.poll(async () => (await c.etcd.getAll().prefix(c.keys.queuesPrefix).keys()).length, { timeout: 10_000 }).toBe(0);

    // The node comes back, works its (now empty) spool again, and nothing is delivered twice.
    await c.local.startNode(spooler!); // with fresh ports if another test took its old ones meanwhile
    await new Promise((res) => setTimeout(res, 1500));
    expect(inbox(c, 'dora@example.test').map(subjectOf)).toEqual(['survives its node']);
  });
});
