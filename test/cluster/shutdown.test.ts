/**
 * The README's shutdown promise (SIGTERM): idle SMTP/LMTP sessions get `421` at once — a client
 * between transactions and a peer's pooled LMTP session alike — while sessions in a transaction
 * get `node.shutdownGraceMs` to finish (a message completed in it is answered 250 and delivered
 * once); a transaction still open when the grace ends gets `421`; then the node exits by itself.
 * Real node processes, raw TCP clients so that every reply is seen with the time it came.
 */
import { NodeTls } from '../../src/cluster/pki/node-tls.ts';
import { nodePkiFiles } from '../../src/cluster/pki/node-pki.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../harness/cluster.ts';
import { addAccounts, inbox, subjectOf } from '../harness/mail.ts';
import { RawSmtp } from '../harness/raw-smtp.ts';
import { peerCredentials } from '../../worker/lmtp/peer-auth.ts';

const GRACE_MS = 6000;
let c: TestCluster;
let alice = '';

beforeAll(async () => {
  c = await startTestCluster({ env: { MAILCLUSTER_NODE_SHUTDOWN_GRACE_MS: String(GRACE_MS) } });
  await c.electedController();
  [alice] = (await addAccounts(c, 'example.test', ['alice'])) as [string];
  expect((await c.rpc('mail-2', 'acquire', { account: alice })).holder).toBe('mail-2');
});
afterAll(async () => c?.stop());

const port = (node: string, p: string): number => Number(c.node(node).env[`MAILCLUSTER_PORTS_${p}`]);

describe('SIGTERM', () => {
  it('421 at once between transactions, the grace for a transaction, 421 when it ends', async () => {
    const node = c.node('mail-2');
    const idle = await RawSmtp.open(port('mail-2', 'SMTP'));
    expect((await idle.cmd('EHLO idle.test')).text).toMatch(/^250 /);

    // a peer's pooled LMTP session: logged in, between transactions
    const pooled = await RawSmtp.open(port('mail-2', 'LMTP'), '127.0.0.1', NodeTls.load('mail-0', nodePkiFiles(c.local.nodePkiDir, 'mail-0')).clientOptions('mail-2'));
    expect((await pooled.cmd('LHLO mail-0')).text).toMatch(/^250 /);
    const cred = peerCredentials(c.local.secret, 'mail-0', { node: 'mail-2', lease: await c.registration('mail-2') });
    expect((await pooled.cmd(`AUTH PLAIN ${Buffer.from(`\0${cred.user}\0${cred.pass}`).toString('base64')}`)).text).toMatch(/^235 /);

    // in a transaction: one will finish its message during the grace, one never does
    const finishing = await RawSmtp.open(port('mail-2', 'SMTP'));
    const stuck = await RawSmtp.open(port('mail-2', 'SMTP'));
    for (const s of [finishing, stuck]) {
      expect((await s.cmd('EHLO tx.test')).text).toMatch(/^250 /);
      expect((await s.cmd('MAIL FROM:<x@remote.test>')).text).toMatch(/^250 /);
      expect((await s.cmd(`RCPT TO:<${alice}>`)).text).toMatch(/^250 /);
    }
    expect((await finishing.cmd('DATA')).text).toMatch(/^354 /);
    finishing.write('Subject: in the grace\r\nFrom: x@remote.test\r\n\r\nfirst half\r\n');

    const termAt = Date.now();
    const exited = node.stop();

    // between transactions: 421 at once (well before the grace would end), and closed
    for (const s of [idle, pooled]) {
      const r = await s.reply(GRACE_MS);
      expect(r.text).toMatch(/^421 4\.3\.2 /);
      expect(r.at - termAt).toBeLessThan(GRACE_MS / 2);
      await s.closed(GRACE_MS / 2);
    }
    // the node is shutting down now (it said so above); the transaction completes within the grace
    finishing.write('second half\r\n.\r\n');
    const accepted = await finishing.reply(GRACE_MS);
    expect(accepted.text).toMatch(/^250 /);
    expect(accepted.at - termAt).toBeLessThan(GRACE_MS);

    // the one that never finishes: nothing until the grace ends, then 421 and closed
    const cut = await stuck.reply(GRACE_MS + 10_000);
    expect(cut.text).toMatch(/^421 /);
    expect(cut.at - termAt).toBeGreaterThanOrEqual(GRACE_MS - 100);
    await stuck.closed(5000);
    expect(finishing.closedAt ?? Date.now()).toBeGreaterThanOrEqual(accepted.at);

    await exited;
    expect(node.exitCode).toBe(0); // by itself, not killed after the harness's 10 s
    await expect.poll(() => inbox(c, alice).map(subjectOf), { timeout: 20_000 }).toEqual(['in the grace']);
    for (const s of [idle, pooled, finishing, stuck]) s.close();
  });
});
