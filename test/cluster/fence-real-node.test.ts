/**
 * The fence refuses a real node's writes (README, "Fencing tokens"): a holder that lost its grant
 * without noticing — its etcd replies and watch events held by a proxy, so its lease and fencing
 * window stay alive and it still believes it holds the account — cannot change the account once a
 * newer holder opened it: an IMAP STORE and APPEND on it are refused, port-25 mail it accepts is
 * not written into the maildir (it is spooled, then delivered once by the new holder), and no
 * file of the account is renamed or added by it.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../harness/cluster.ts';
import { EtcdReplyHolder } from '../harness/etcd-proxy.ts';
import { addAccounts, inbox, maildir, send, subjectOf } from '../harness/mail.ts';
import { RawImap } from '../harness/imap.ts';
import { readFence } from '../../src/storage/fence.ts';

let c: TestCluster;
let proxy: EtcdReplyHolder;
let alice = '';

beforeAll(async () => {
  // a 7 s fencing window (8 s TTL − 1 s margin): the old holder stays live through the held phase
  c = await startTestCluster({ env: { MAILCLUSTER_LEASE_TTL_SECONDS: '8', MAILCLUSTER_QUEUE_RETRY_BASE_MS: '300' } });
  proxy = await EtcdReplyHolder.start(c.local.etcdEndpoints[0]!);
  const old = c.node('mail-1');
  await old.stop();
  old.env.MAILCLUSTER_ETCD_ENDPOINTS = proxy.endpoint;
  await c.local.startNode(old);
  expect(await c.electedController()).not.toBe('mail-1'); // it joined last: its candidacy is the youngest
  [alice] = (await addAccounts(c, 'example.test', ['alice'])) as [string];
  expect((await c.rpc('mail-1', 'acquire', { account: alice })).holder).toBe('mail-1');
});
afterAll(async () => {
  proxy?.release();
  await c?.stop();
  await proxy?.close();
});

const port = (node: string, p: string): number => Number(c.node(node).env[`MAILCLUSTER_PORTS_${p}`]);
const names = (): string[] => ['new', 'cur'].flatMap((d) => readdirSync(join(maildir(c, alice), d)).map((f) => `${d}/${f}`)).sort();

describe('the fence', () => {
  it('refuses the writes of a holder that still believes it holds, once a newer holder opened the account', async () => {
    expect((await send(c, 'mail-1', { from: 'x@remote.test', to: alice, subject: 'before' })).response).toMatch(/delivered as/);
    const imap = await RawImap.open(port('mail-1', 'IMAP'));
    expect(await imap.cmd('l', `LOGIN ${alice} password-1`)).toMatch(/l OK /);
    expect(await imap.cmd('s', 'SELECT INBOX')).toContain('* 1 EXISTS');
    const oldToken = await readFence(maildir(c, alice));
    const uidlist = readFileSync(join(maildir(c, alice), 'dovecot-uidlist'), 'utf8');
    const before = names();

    proxy.hold();
    // the grant goes (as when a controller moved it) and mail-2 opens the account: mail-1 cannot know
    await c.etcd.delete().key(c.keys.open(alice)).exec();
    const g = await c.rpc('mail-2', 'acquire', { account: alice });
    expect(g.holder).toBe('mail-2');
    // mail-2 opens it when its watch delivers the grant: the fence file then carries its token
    await expect.poll(async () => (await c.rpc('mail-2', 'status', {}, 2000)).held.find((h) => h.account === alice)?.token, { timeout: 5000, interval: 20 }).toBe(g.token);
    expect(await readFence(maildir(c, alice))).toBe(BigInt(g.token));
    expect(BigInt(g.token)).toBeGreaterThan(oldToken!);
    expect((await c.rpc('mail-1', 'status', {}, 2000)).held.map((h) => h.account)).toContain(alice); // still believes

    expect(await imap.cmd('f', 'STORE 1 +FLAGS (\\Flagged)')).not.toMatch(/^f OK /m);
    const msg = 'Subject: appended\r\n\r\nhi\r\n';
    expect(await imap.cmd('a', `APPEND INBOX {${msg.length}+}\r\n${msg}`)).not.toMatch(/^a OK /m);
    const r = await send(c, 'mail-1', { from: 'x@remote.test', to: alice, subject: 'while fenced' });
    expect(r.response).toMatch(/^250 .*queued as/); // accepted into its spool, not into the maildir
    expect(names()).toEqual(before); // nothing added, nothing renamed (no flag changed)
    expect(readFileSync(join(maildir(c, alice), 'dovecot-uidlist'), 'utf8')).toBe(uidlist);
    expect((await c.rpc('mail-1', 'status', {}, 2000)).serving).toBe(true); // refused by storage, not by its session
    imap.close();

    proxy.release();
    // its spool delivers through the new holder, once
    const spoolEnv = join(c.local.dataDir, 'shared', 'queue', 'mail-1', 'env');
    await expect.poll(() => readdirSync(spoolEnv).filter((f) => f.endsWith('.json')).length, { timeout: 30_000, interval: 100 }).toBe(0);
    expect(inbox(c, alice).map(subjectOf).sort()).toEqual(['before', 'while fenced']);
    expect(await readFence(maildir(c, alice))).toBe(BigInt(g.token));
  });
});
