/**
 * CONDSTORE / QRESYNC on a real 3-node cluster: modseqs live with the mailbox on shared storage,
 * so after the holder is killed (kill -9) and another node serves the account, a client reading
 * through a proxying node sees the same UIDs, modseqs and HIGHESTMODSEQ, numbering goes on above
 * them, and a QRESYNC SELECT with what it cached before reports exactly what changed since.
 */
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../harness/cluster.ts';
import { addAccounts, send } from '../harness/mail.ts';
import { RawImap } from '../harness/imap.ts';

let c: TestCluster;
let alice: string;
const flows: ImapFlow[] = [];
const NODES = ['mail-0', 'mail-1', 'mail-2'];
const imapPort = (node: string): number => Number(c.node(node).env.MAILCLUSTER_PORTS_IMAP);

async function flow(node: string): Promise<ImapFlow> {
  const f = new ImapFlow({ host: '127.0.0.1', port: imapPort(node), secure: false, doSTARTTLS: false, auth: { user: alice, pass: 'password-1' }, logger: false, qresync: true, connectionTimeout: 30_000 });
  f.on('error', () => undefined);
  await f.connect();
  flows.push(f);
  return f;
}

async function modseqs(f: ImapFlow): Promise<Array<[number, bigint | undefined, string[]]>> {
  const out: Array<[number, bigint | undefined, string[]]> = [];
  for await (const m of f.fetch('1:*', { uid: true, flags: true })) out.push([m.uid, m.modseq, [...(m.flags ?? [])].filter((x) => x !== '\\Recent').sort()]);
  return out;
}

beforeAll(async () => {
  c = await startTestCluster();
  await c.electedController();
  alice = (await addAccounts(c, 'example.test', ['alice']))[0]!;
  for (const i of [1, 2, 3, 4]) await send(c, 'mail-0', { from: 'x@remote.test', to: alice, subject: `hello ${i}` });
}, 60_000);
afterAll(async () => {
  for (const f of flows) await f.logout().catch(() => f.close());
  await c?.stop();
});

describe('modseqs across a failover', () => {
  it('a new holder serves the same UIDs and modseqs, through a proxy, and QRESYNC reports what changed', async () => {
    await c.rpc('mail-0', 'acquire', { account: alice });
    const holder = (await c.openKeys()).get(alice)!.holder;
    const proxyNode = NODES.find((n) => n !== holder)!;
    const f = await flow(proxyNode);
    const box = await f.mailboxOpen('INBOX');
    await f.messageFlagsAdd('2', ['\\Flagged'], { uid: true });
    await f.messageDelete('4', { uid: true });
    const before = await modseqs(f);
    const st = await f.status('INBOX', { highestModseq: true, uidNext: true });
    const cached = { uidValidity: box.uidValidity, highestModseq: st ? st.highestModseq! : 0n };
    expect(before.map(([uid]) => uid)).toEqual([1, 2, 3]);
    expect(before[1]![1]! > before[0]![1]!).toBe(true);

    const dropped = new Promise<void>((resolve) => f.on('close', () => resolve()));
    await c.node(holder).kill();
    await dropped;

    // through a node that is not the new holder (the account opens on first login, after the lease expires)
    const survivors = NODES.filter((n) => n !== holder);
    const g = await flow(survivors[0]!);
    await g.mailboxOpen('INBOX');
    const newHolder = (await c.openKeys()).get(alice)!.holder;
    expect(newHolder).not.toBe(holder);
    const viaProxy = survivors.find((n) => n !== newHolder)!;
    const h = viaProxy === survivors[0] ? g : await flow(viaProxy);
    if (h !== g) await h.mailboxOpen('INBOX');
    expect(await modseqs(h)).toEqual(before);
    const after = await h.status('INBOX', { highestModseq: true });
    expect(after && after.highestModseq).toBe(cached.highestModseq);

    // numbering goes on above what the dead holder handed out
    await h.messageFlagsAdd('3', ['\\Seen'], { uid: true });
    const changed = [];
    for await (const m of h.fetch('1:*', { uid: true, flags: true }, { uid: true, changedSince: cached.highestModseq })) changed.push([m.uid, m.modseq]);
    expect(changed).toEqual([[3, cached.highestModseq + 1n]]);

    // a client that cached the state before the failover resyncs with QRESYNC through the proxy
    const raw = await RawImap.open(imapPort(viaProxy));
    try {
      expect(await raw.cmd('l', `LOGIN ${alice} password-1`)).toMatch(/^l OK/);
      expect(await raw.cmd('e', 'ENABLE QRESYNC')).toContain('* ENABLED QRESYNC');
      const sel = await raw.cmd('s', `SELECT INBOX (QRESYNC (${cached.uidValidity} ${before[1]![1]}))`);
      expect(sel).toContain(`* OK [HIGHESTMODSEQ ${cached.highestModseq + 1n}]`);
      expect(sel).toContain('* VANISHED (EARLIER) 4\r\n');
      expect(sel).toContain(`* 3 FETCH (UID 3 FLAGS (\\Seen) MODSEQ (${cached.highestModseq + 1n}))\r\n`);
      expect(sel).not.toMatch(/FETCH \(UID [12] /);
    } finally {
      raw.close();
    }
  });
});
