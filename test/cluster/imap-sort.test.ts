/**
 * SORT and THREAD on a real 2-node cluster (etcd, node processes, maildir on shared storage):
 * node-imap's `sort` / `thread` and a raw session get the same answers from the holder and through
 * the proxying node, and those answers are Dovecot's for the same mailbox (the expected values
 * below are what test/interop/sort-thread-vs-dovecot.test.ts checks against Dovecot itself).
 */
import Imap from 'imap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SORT_CORPUS } from '../fixtures/sort-corpus.ts';
import { startTestCluster, type TestCluster } from '../harness/cluster.ts';
import { RawImap } from '../harness/imap.ts';
import { addAccounts } from '../harness/mail.ts';

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

type ThreadResult = Array<number | ThreadResult>;

/** node-imap: UID SORT by subject, UID THREAD REFERENCES, over one connection to `node`. */
function nodeImap(node: string): Promise<{ sorted: number[]; threads: ThreadResult }> {
  const imap = new Imap({ user, password: 'password-1', host: '127.0.0.1', port: imapPort(node), tls: false, autotls: 'never' });
  const threadOf = imap as unknown as { thread(alg: string, criteria: unknown[], cb: (err: Error | null, t: ThreadResult) => void): void };
  return new Promise((resolve, reject) => {
    imap.once('error', reject);
    imap.once('ready', () =>
      imap.openBox('INBOX', true, (err) => {
        if (err) return reject(err);
        imap.sort(['SUBJECT'], ['ALL'], (e1, sorted) => {
          if (e1) return reject(e1);
          threadOf.thread('REFERENCES', ['ALL'], (e2, threads) => {
            imap.end();
            if (e2) return reject(e2);
            resolve({ sorted, threads });
          });
        });
      }),
    );
    imap.connect();
  });
}

beforeAll(async () => {
  c = await startTestCluster({ nodes: 2 });
  await c.electedController();
  user = (await addAccounts(c, 'example.test', ['sorter']))[0]!;
  const first = await raw('mail-0');
  for (const m of SORT_CORPUS) {
    expect(await first.cmd('a', `APPEND INBOX "${m.internalDate}" {${Buffer.byteLength(m.raw)}+}\r\n${m.raw}`)).toMatch(/(^|\n)a OK/);
  }
  holder = (await c.openKeys()).get(user)!.holder;
  proxy = ['mail-0', 'mail-1'].find((n) => n !== holder)!;
}, 90_000);
afterAll(async () => {
  for (const r of raws) r.close();
  await c?.stop();
});

describe('SORT and THREAD through the cluster', () => {
  it('the capability list names them on the holder and through the proxy', async () => {
    for (const node of [holder, proxy]) {
      const r = await raw(node);
      expect(await r.cmd('c', 'CAPABILITY')).toMatch(/^\* CAPABILITY .*\bSORT SORT=DISPLAY ESORT CONTEXT=SEARCH CONTEXT=SORT THREAD=ORDEREDSUBJECT THREAD=REFERENCES\b/);
    }
  });

  it('node-imap sort and thread give the same answers on the holder and through the proxying node', async () => {
    const onHolder = await nodeImap(holder);
    const viaProxy = await nodeImap(proxy);
    expect(onHolder.sorted).toEqual([3, 5, 6, 9, 12, 13, 7, 8, 14, 1, 2, 4, 10, 11]);
    expect(viaProxy).toEqual(onHolder);
    expect(onHolder.threads).toHaveLength(4);
  });

  it('raw UID THREAD / SORT RETURN are byte-identical on both nodes', async () => {
    for (const node of [holder, proxy]) {
      const r = await raw(node);
      await r.cmd('s', 'SELECT INBOX');
      expect(await r.cmd('t', 'UID THREAD REFERENCES UTF-8 ALL')).toMatch(/^\* THREAD \(\(3 \(5\)\(6\)\)\(9\)\)\(\(1 2 4\)\(10 11\)\)\(\(7\)\(8\)\(14\)\)\(13 12\)\r\nt OK /);
      expect(await r.cmd('e', 'SORT RETURN (MIN MAX COUNT) (DATE) UTF-8 ALL')).toMatch(/^\* ESEARCH \(TAG "e"\) MIN 3 MAX 14 COUNT 14\r\ne OK /);
    }
  });
});
