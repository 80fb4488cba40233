/**
 * NOTIFY (RFC 5465) and CONTEXT=SEARCH (RFC 5267 §4) on a real 2-node cluster (etcd, node
 * processes, maildir on shared storage): a session logged in on the proxying node is told, through
 * the splice, of another session's APPEND on the holder and of an SMTP delivery accepted by either
 * node — as ADDTO for its live search of the selected INBOX and as STATUS for another mailbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../harness/cluster.ts';
import { RawImap } from '../harness/imap.ts';
import { addAccounts, send } from '../harness/mail.ts';

let c: TestCluster;
let user: string;
let holder: string;
let proxy: string;
const raws: RawImap[] = [];
const imapPort = (node: string): number => Number(c.node(node).env.MAILCLUSTER_PORTS_IMAP);

async function raw(node: string): Promise<RawImap> {
  const r = await RawImap.open(imapPort(node));
  raws.push(r);
  expect(await r.cmd('l', `LOGIN ${user} password-1`)).toMatch(/(^|\n)l OK/);
  return r;
}

const msg = 'From: bob@example.test\r\nSubject: hello\r\n\r\nbody\r\n';

beforeAll(async () => {
  c = await startTestCluster({ nodes: 2 });
  await c.electedController();
  user = (await addAccounts(c, 'example.test', ['notified']))[0]!;
  const first = await raw('mail-0');
  expect(await first.cmd('c', 'CREATE Other')).toMatch(/c OK/);
  holder = (await c.openKeys()).get(user)!.holder;
  proxy = ['mail-0', 'mail-1'].find((n) => n !== holder)!;
}, 90_000);
afterAll(async () => {
  for (const r of raws) r.close();
  await c?.stop();
});

describe('NOTIFY and CONTEXT=SEARCH through the proxying node', () => {
  it('are advertised on both nodes', async () => {
    for (const node of [holder, proxy]) {
      expect(await (await raw(node)).cmd('c', 'CAPABILITY')).toMatch(/^\* CAPABILITY .*\bCONTEXT=SEARCH CONTEXT=SORT\b.*\bNOTIFY\b/);
    }
  });

  it('a proxied session gets ADDTO and STATUS for the holder session\'s APPENDs and for SMTP deliveries', async () => {
    const watcher = await raw(proxy);
    const writer = await raw(holder);
    expect(await watcher.cmd('s', 'SELECT INBOX')).toMatch(/s OK/);
    expect(await watcher.cmd('n', 'NOTIFY SET (SELECTED (MessageNew MessageExpunge FlagChange)) (PERSONAL (MessageNew MessageExpunge))')).toMatch(/^n OK/);
    expect(await watcher.cmd('t', 'UID SEARCH RETURN (COUNT UPDATE) UNSEEN')).toBe('* ESEARCH (TAG "t") UID COUNT 0\r\nt OK SEARCH completed\r\n');
    watcher.send('i IDLE\r\n');
    await watcher.read((x) => x.includes('+ '));
    expect(await writer.cmd('a', `APPEND Other {${msg.length}+}\r\n${msg}`)).toMatch(/a OK/);
    expect(await watcher.read((x) => x.includes('STATUS'), 15_000)).toBe('* STATUS Other (MESSAGES 1 UIDNEXT 2 UNSEEN 1)\r\n');
    expect(await writer.cmd('a', `APPEND INBOX {${msg.length}+}\r\n${msg}`)).toMatch(/a OK/);
    expect(await watcher.read((x) => x.includes('ADDTO'), 15_000)).toMatch(/^\* 1 EXISTS\r\n\* \d RECENT\r\n\* ESEARCH \(TAG "t"\) UID ADDTO \(0 1\)\r\n$/);
    for (const node of [proxy, holder]) {
      const r = await send(c, node, { from: 'bob@example.test', to: user, subject: `via ${node}` });
      expect(r.accepted).toEqual([user]);
    }
    const got = await watcher.read((x) => (x.match(/ADDTO/g) ?? []).length >= 2, 30_000);
    expect(got).toMatch(/\* ESEARCH \(TAG "t"\) UID ADDTO \(0 2\)/);
    expect(got).toMatch(/\* ESEARCH \(TAG "t"\) UID ADDTO \(0 3\)/);
    watcher.send('DONE\r\n');
    expect(await watcher.until('i')).toMatch(/i OK IDLE terminated\r\n$/);
  });
});
