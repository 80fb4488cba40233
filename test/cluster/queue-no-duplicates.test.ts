/**
 * The window takeover used to double: the holder stored a queued message and answered 250, and
 * the spooling node died before its spool recorded that. The node that takes the spool over
 * delivers it again as a retry, and the holder, finding the copy stored under that queue id,
 * does not store it twice. Here the window is set up exactly: two messages are put in a live
 * node's spool behind its back, one of them already stored at the holder under its queue id, and
 * the node is killed with -9 so that its spool is taken over.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../harness/cluster.ts';
import { addAccounts, inbox, maildir, subjectOf } from '../harness/mail.ts';
import { newEnvelope, newQueueId, Spool } from '../../src/queue/spool.ts';
import { uniqueName } from '../../worker/delivery/maildir-delivery.ts';
import { returnPathHeader } from '../../src/util/mail-headers.ts';

let c: TestCluster;
beforeAll(async () => {
  c = await startTestCluster({ env: { MAILCLUSTER_QUEUE_RETRY_BASE_MS: '300' } });
  await addAccounts(c, 'example.test', ['fred']);
});
afterAll(async () => c?.stop());

const message = (subject: string) => `From: a@remote.test\r\nTo: fred@example.test\r\nSubject: ${subject}\r\n\r\nhello\r\n`;

describe('queue takeover without duplicates', () => {
  it('a message the holder stored before the spooling node died is not stored again; one it had not is', async () => {
    const ctl = await c.electedController();
    const [holder, spooler] = c.nodes.filter((n) => n.name !== ctl);
    await c.rpc(holder!.name, 'acquire', { account: 'fred@example.test' });

    const spool = new Spool(join(c.local.dataDir, 'shared'), spooler!.name);
    const stored = newQueueId();
    const pending = newQueueId();
    for (const [id, subject] of [[stored, 'stored before the crash'], [pending, 'not yet stored']] as const) {
      await spool.accept(id, '', Readable.from([Buffer.from(message(subject))]), newEnvelope('a@remote.test', ['fred@example.test'], 'inbound'), 1 << 20);
    }
    // The holder's copy of the first, as its 250 left it: in new/ under the message's queue id.
    const copy = Buffer.from(returnPathHeader('a@remote.test') + message('stored before the crash'));
    mkdirSync(join(maildir(c, 'fred@example.test'), 'new'), { recursive: true });
    writeFileSync(join(maildir(c, 'fred@example.test'), 'new', uniqueName(copy.length, copy.length, stored)), copy);

    await spooler!.kill();
    const envDir = join(c.local.dataDir, 'shared', 'queue', spooler!.name, 'env');
    await expect.poll(() => readdirSync(envDir), { timeout: 20_000, interval: 100 }).toEqual([]);
    expect(inbox(c, 'fred@example.test').map(subjectOf).sort()).toEqual(['not yet stored', 'stored before the crash']);
    const suppressed = c.nodes.flatMap((n) => n.logs.filter((l) => l.msg === 'already stored: retry not stored again'));
    expect(suppressed).toHaveLength(1);
  });
});
