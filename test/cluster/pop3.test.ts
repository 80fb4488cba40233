/**
 * POP3 on a real 3-node cluster with real etcd: mail delivered with nodemailer is retrieved through
 * every node (the holder directly, the others by proxy) with the same UIDLs; DELE + QUIT through a
 * proxy removes the message from the maildir before `+OK`; a drain ends the holder's sessions (and
 * the proxied ones) with `-ERR [SYS/TEMP]` and nothing they marked is deleted; a login during a
 * controller failover is delayed, not refused; a holder killed mid-session drops its proxied
 * clients with `-ERR [SYS/TEMP]`, and the new holder shows the same UIDLs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../harness/cluster.ts';
import { addAccounts, inbox, send, subjectOf } from '../harness/mail.ts';
import { Pop3Client, payload } from '../harness/pop3.ts';

let c: TestCluster;
let alice: string;
const clients: Pop3Client[] = [];
const NODES = ['mail-0', 'mail-1', 'mail-2'];
const pop3Port = (node: string): number => Number(c.node(node).env.MAILCLUSTER_PORTS_POP3);

async function login(node: string, user = alice): Promise<Pop3Client> {
  const { client, greeting } = await Pop3Client.open(pop3Port(node));
  clients.push(client);
  expect(greeting).toBe('+OK mailcluster POP3 ready\r\n');
  const reply = await client.login(user, 'password-1');
  expect(reply).toMatch(/^\+OK maildrop has \d+ messages/);
  return client;
}

async function subjects(p: Pop3Client): Promise<string[]> {
  const n = Number(/^\+OK (\d+) /.exec(await p.cmd('STAT'))![1]);
  const out: string[] = [];
  for (let i = 1; i <= n; i++) out.push(subjectOf(payload(await p.multi(`RETR ${i}`)))!);
  return out;
}

beforeAll(async () => {
  c = await startTestCluster();
  await c.electedController();
  alice = (await addAccounts(c, 'example.test', ['alice', 'bob']))[0]!;
  for (const i of [1, 2, 3]) await send(c, 'mail-0', { from: 'x@remote.test', to: alice, subject: `hello ${i}` });
}, 60_000);
afterAll(async () => {
  for (const p of clients) p.close();
  await c?.stop();
});

describe('POP3 across the cluster', () => {
  it('every node serves the same maildrop with the same UIDLs: the holder directly, the others through the proxy', async () => {
    const views: Array<{ uidl: string; subjects: string[] }> = [];
    for (const node of NODES) {
      const p = await login(node);
      views.push({ uidl: await p.multi('UIDL'), subjects: await subjects(p) });
      expect(await p.cmd('QUIT')).toMatch(/^\+OK mailcluster POP3 signing off/);
    }
    expect([...views[0]!.subjects].sort()).toEqual(['hello 1', 'hello 2', 'hello 3']);
    expect(views[0]!.uidl).toMatch(/^\+OK 3 messages with unique ids\r\n1 [0-9A-F]{16}\r\n2 [0-9A-F]{16}\r\n3 [0-9A-F]{16}\r\n\.\r\n$/);
    expect(views[1]).toEqual(views[0]);
    expect(views[2]).toEqual(views[0]);
    const holder = (await c.openKeys()).get(alice)!.holder;
    for (const n of NODES.filter((x) => x !== holder)) expect(c.node(n).logs.some((l) => l.msg === 'pop3 session proxied' && l.account === alice)).toBe(true);
  });

  it('DELE + QUIT through a proxy removes the message from the maildir before +OK; UIDLs of the others stay', async () => {
    const holder = (await c.openKeys()).get(alice)!.holder;
    const proxy = NODES.find((n) => n !== holder)!;
    const p = await login(proxy);
    const before = (await p.multi('UIDL')).split('\r\n').slice(1, -2);
    const first = subjectOf(payload(await p.multi('RETR 1')));
    expect(await p.cmd('DELE 1')).toBe('+OK message 1 deleted\r\n');
    expect(await p.cmd('QUIT')).toBe('+OK mailcluster POP3 signing off (1 message deleted)\r\n');
    // +OK came after the expunge was on disk: the maildir no longer has it, at once
    expect(inbox(c, alice).map(subjectOf).sort()).toEqual(['hello 1', 'hello 2', 'hello 3'].filter((s) => s !== first));
    const again = await login(NODES.find((n) => n !== proxy)!);
    const after = (await again.multi('UIDL')).split('\r\n').slice(1, -2).map((l) => l.split(' ')[1]);
    expect(after).toEqual(before.slice(1).map((l) => l.split(' ')[1]));
    await again.cmd('QUIT');
  });

  it('a drain ends the holder\'s sessions, direct and proxied, with -ERR [SYS/TEMP]; nothing marked is deleted; a reconnect works', async () => {
    const holder = (await c.openKeys()).get(alice)!.holder;
    const direct = await login(holder);
    const proxied = await login(NODES.find((n) => n !== holder)!);
    expect(await direct.cmd('DELE 1')).toMatch(/^\+OK/);
    expect(await proxied.cmd('DELE 2')).toMatch(/^\+OK/);
    const count = inbox(c, alice).length;
    await c.etcd.put(c.keys.drain(holder)).value('{}').exec();
    try {
      const goodbye = '-ERR [SYS/TEMP] this server is being drained; please reconnect; signing off\r\n';
      expect(await direct.line(10_000)).toBe(goodbye);
      expect(await proxied.line(10_000)).toBe(goodbye);
      await Promise.all([direct.closed, proxied.closed]);
      await c.node(holder).waitForLog((l) => l.msg === 'pop3 sessions closed' && l.account === alice && l.reason === 'node draining', 5000);
      expect(inbox(c, alice)).toHaveLength(count);
      const again = await login(holder); // on the draining node: proxied to the new holder
      expect(await again.cmd('STAT')).toMatch(new RegExp(`^\\+OK ${count} `));
      expect((await c.openKeys()).get(alice)!.holder).not.toBe(holder);
      await again.cmd('QUIT');
    } finally {
      await c.etcd.delete().key(c.keys.drain(holder)).exec();
    }
  });

  it('a login during a controller failover is delayed, not refused', async () => {
    const ctl = await c.electedController();
    const other = NODES.find((n) => n !== ctl && c.node(n).running)!;
    expect((await c.openKeys()).has('bob@example.test')).toBe(false); // bob's first login needs a grant
    await c.node(ctl).kill();
    const started = Date.now();
    const p = await login(other, 'bob@example.test');
    expect(await p.cmd('STAT')).toBe('+OK 0 0\r\n');
    expect((await c.openKeys()).get('bob@example.test')?.holder).toBeDefined();
    console.log(`pop3: login during controller failover took ${Date.now() - started} ms`);
    await p.cmd('QUIT');
  });

  it('a holder killed mid-session: the proxied client gets -ERR [SYS/TEMP]; a reconnect on the new holder sees the same UIDLs', async () => {
    const running = NODES.filter((n) => c.node(n).running);
    const first = await login(running[0]!); // opens the account somewhere
    const uidls = await first.multi('UIDL');
    await first.cmd('QUIT');
    const holder = (await c.openKeys()).get(alice)!.holder;
    const survivor = running.find((n) => n !== holder)!;
    const proxied = await login(survivor);
    await c.node(holder).kill();
    expect(await proxied.line(10_000)).toBe('-ERR [SYS/TEMP] the node serving this mailbox went away; please reconnect; signing off\r\n');
    await proxied.closed;
    const again = await login(survivor);
    expect(await again.multi('UIDL')).toBe(uidls);
    expect((await c.openKeys()).get(alice)!.holder).toBe(survivor);
  });
});
