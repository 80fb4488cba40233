/**
 * IMAP on a real 3-node cluster with real clients (imapflow, node-imap): every node shows the same
 * mailbox (the holder directly, the others by proxy), IDLE on one node wakes on a delivery through
 * another, a drain ends sessions with `* BYE` and a reason, and a holder killed mid-session drops
 * its clients cleanly, after which a reconnect works on the new holder with the same UIDs.
 */
import { existsSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import Imap from 'imap';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../harness/cluster.ts';
import { addAccounts, maildir, send } from '../harness/mail.ts';

let c: TestCluster;
let alice: string;
const flows: ImapFlow[] = [];
const imapPort = (node: string): number => Number(c.node(node).env.MAILCLUSTER_PORTS_IMAP);

async function flow(node: string, user = alice): Promise<ImapFlow> {
  const f = new ImapFlow({ host: '127.0.0.1', port: imapPort(node), secure: false, auth: { user, pass: 'password-1' }, logger: false, tls: { rejectUnauthorized: false }, connectionTimeout: 30_000 });
  f.on('error', () => undefined);
  await f.connect();
  flows.push(f);
  return f;
}

async function state(f: ImapFlow): Promise<Array<{ uid: number; flags: string[]; subject: string | undefined }>> {
  const lock = await f.getMailboxLock('INBOX').catch((err: { response?: string }) => {
    throw new Error(`SELECT INBOX failed: ${err.response ?? String(err)}`);
  });
  try {
    const out = [];
    // \Recent is per session (only the first session to see a message gets it): not mailbox state
    for await (const m of f.fetch('1:*', { uid: true, flags: true, envelope: true })) out.push({ uid: m.uid, flags: [...(m.flags ?? [])].filter((x) => x !== '\\Recent').sort(), subject: m.envelope?.subject });
    return out;
  } finally {
    lock.release();
  }
}

beforeAll(async () => {
  c = await startTestCluster();
  await c.electedController();
  alice = (await addAccounts(c, 'example.test', ['alice', 'bob']))[0]!;
  for (const i of [1, 2, 3]) await send(c, 'mail-0', { from: 'x@remote.test', to: alice!, subject: `hello ${i}` });
}, 60_000);
afterAll(async () => {
  for (const f of flows) await f.logout().catch(() => f.close());
  await c?.stop();
});

describe('IMAP across the cluster', () => {
  it('every node shows the same mailbox: the holder directly, the others through the proxy', async () => {
    const views = [];
    for (const node of ['mail-0', 'mail-1', 'mail-2']) views.push(await state(await flow(node)));
    // UIDs follow delivery order (the first message may wait in the spool while the account opens)
    expect(views[0]!.map((m) => m.subject).sort()).toEqual(['hello 1', 'hello 2', 'hello 3']);
    expect(views[0]!.map((m) => m.uid)).toEqual([1, 2, 3]);
    expect(views[1]).toEqual(views[0]);
    expect(views[2]).toEqual(views[0]);
    const holder = (await c.openKeys()).get(alice)!.holder;
    const others = ['mail-0', 'mail-1', 'mail-2'].filter((n) => n !== holder);
    for (const n of others) expect(c.node(n).logs.some((l) => l.msg === 'imap session proxied' && l.account === alice)).toBe(true);
    // a flag set through a proxy is seen through the holder
    const viaProxy = await flow(others[0]!);
    const lock = await viaProxy.getMailboxLock('INBOX');
    expect(await viaProxy.messageFlagsAdd('1', ['\\Flagged'], { uid: true })).toBe(true);
    lock.release();
    expect((await state(await flow(holder)))[0]!.flags).toContain('\\Flagged');
  });

  it('node-imap reads the same messages through any node', async () => {
    const imap = new Imap({ user: alice, password: 'password-1', host: '127.0.0.1', port: imapPort('mail-2'), tls: false, autotls: 'never' });
    const subjects = await new Promise<string[]>((resolve, reject) => {
      imap.once('error', reject);
      imap.once('ready', () =>
        imap.openBox('INBOX', true, (err) => {
          if (err) return reject(err);
          const out: string[] = [];
          const f = imap.seq.fetch('1:*', { bodies: 'HEADER.FIELDS (SUBJECT)' });
          f.on('message', (msg) => msg.on('body', (stream) => {
            let text = '';
            stream.on('data', (d: Buffer) => (text += d.toString()));
            stream.on('end', () => out.push(text.trim()));
          }));
          f.once('error', reject);
          f.once('end', () => resolve(out));
        }),
      );
      imap.connect();
    });
    imap.end();
    expect(subjects.sort()).toEqual(['Subject: hello 1', 'Subject: hello 2', 'Subject: hello 3']);
  });

  it('IDLE on one node wakes on a delivery through another', async () => {
    const holder = (await c.openKeys()).get(alice)!.holder;
    const watcher = await flow(['mail-0', 'mail-1', 'mail-2'].find((n) => n !== holder)!); // proxied to the holder
    await watcher.mailboxOpen('INBOX');
    // operators see the spliced session on the proxying node
    const metrics = await (await fetch(`http://127.0.0.1:${c.node(['mail-0', 'mail-1', 'mail-2'].find((n) => n !== holder)!).env.MAILCLUSTER_PORTS_ADMIN}/metrics`)).text();
    expect(metrics).toMatch(/^mailcluster_sessions\{[^}]*protocol="imap-proxied"[^}]*\} [1-9]\d*$/m);
    const before = watcher.mailbox ? (watcher.mailbox as { exists: number }).exists : 0;
    const woke = new Promise<number>((resolve) => watcher.on('exists', (d: { count: number }) => resolve(d.count)));
    void watcher.idle();
    await new Promise((r) => setTimeout(r, 300));
    // delivered through the third node (neither the watcher's nor the holder): SMTP → LMTP → holder
    const watcherNode = ['mail-0', 'mail-1', 'mail-2'].find((n) => n !== holder)!;
    const sender = ['mail-0', 'mail-1', 'mail-2'].find((n) => n !== holder && n !== watcherNode)!;
    await send(c, sender, { from: 'x@remote.test', to: alice, subject: 'wake up' });
    expect(await Promise.race([woke, new Promise((_, j) => setTimeout(() => j(new Error('IDLE did not wake')), 10_000))])).toBe(before + 1);
  });

  it('drain ends the holder\'s sessions with BYE and a reason; the client reconnects to the new holder', async () => {
    const holder = (await c.openKeys()).get(alice)!.holder;
    const direct = await flow(holder);
    await direct.mailboxOpen('INBOX');
    const closed = new Promise<void>((resolve) => direct.on('close', () => resolve()));
    await c.etcd.put(c.keys.drain(holder)).value('{}').exec();
    try {
      await closed;
      await c.node(holder).waitForLog((l) => l.msg === 'imap sessions closed' && l.account === alice && l.reason === 'node draining', 5000);
      const again = await flow(holder); // logs in on the draining node: proxied to the new holder
      expect((await state(again)).map((m) => m.subject)).toContain('wake up');
      const newHolder = (await c.openKeys()).get(alice)!.holder;
      expect(newHolder).not.toBe(holder);
    } finally {
      await c.etcd.delete().key(c.keys.drain(holder)).exec();
    }
  });

  it('logins during a controller failover are delayed, not refused', async () => {
    const ctl = await c.electedController();
    const other = ['mail-0', 'mail-1', 'mail-2'].find((n) => n !== ctl && c.node(n).running)!;
    expect((await c.openKeys()).has('bob@example.test')).toBe(false); // bob's first login needs a grant
    await c.node(ctl).kill();
    const started = Date.now();
    const f = await flow(other, 'bob@example.test');
    const status = await f.status('INBOX', { messages: true });
    expect(status && status.messages).toBe(0);
    expect((await c.openKeys()).get('bob@example.test')?.holder).toBeDefined();
    console.log(`imap: login during controller failover took ${Date.now() - started} ms`);
  });

  it('quota is enforced on delivery (552 5.2.2) and on IMAP APPEND ([OVERQUOTA]) with the same limit', async () => {
    const { AccountDirectory } = await import('../../src/accounts/directory.ts');
    const dir = new AccountDirectory(c.etcd, c.keys);
    await dir.updateAccount('bob@example.test', { quotaBytes: 2048 });
    const node = ['mail-0', 'mail-1', 'mail-2'].find((n) => c.node(n).running)!;
    await c.rpc(node, 'acquire', { account: 'bob@example.test' }); // the holder is known: delivery happens before the reply
    await new Promise((r) => setTimeout(r, 5500)); // the node's quota cache (5 s) sees the new limit
    const big = `Subject: big\r\n\r\n${'x'.repeat(4096)}\r\n`;
    const reply = await send(c, node, { from: 'x@remote.test', to: 'bob@example.test', subject: 'big', raw: big }).then(
      () => 'accepted',
      (e: { response?: string }) => e.response ?? String(e),
    );
    expect(reply).toMatch(/^552 5\.2\.2 /);
    // IMAP APPEND on the same node reads the same cached limit
    const appender = await flow(node, 'bob@example.test');
    const appended = await appender.append('INBOX', big).then(() => 'stored', (e: { responseText?: string; serverResponseCode?: string }) => e.serverResponseCode ?? e.responseText ?? String(e));
    expect(appended).toBe('OVERQUOTA');
    await send(c, node, { from: 'x@remote.test', to: 'bob@example.test', subject: 'small', raw: 'Subject: small\r\n\r\nhi\r\n' });
    await dir.updateAccount('bob@example.test', { quotaBytes: 0 });
  });

  it('a client that drops mid-APPEND literal, on the holder or through a proxy, stores nothing and leaves nothing in tmp/', async () => {
    const bob = 'bob@example.test';
    const [holder, proxy] = ['mail-0', 'mail-1', 'mail-2'].filter((n) => c.node(n).running) as [string, string];
    expect((await c.rpc(holder, 'acquire', { account: bob })).holder).toBe(holder);
    const dir = maildir(c, bob);
    const list = (sub: string): string[] => (existsSync(join(dir, sub)) ? readdirSync(join(dir, sub)).sort() : []);
    const before = { fresh: list('new'), cur: list('cur') };
    for (const node of [holder, proxy]) {
      const s = connect({ host: '127.0.0.1', port: imapPort(node) });
      s.on('error', () => undefined);
      let said = '';
      s.on('data', (d: Buffer) => (said += d.toString('latin1')));
      await expect.poll(() => said, { timeout: 5000 }).toMatch(/^\* OK/);
      s.write(`l LOGIN ${bob} password-1\r\n`);
      await expect.poll(() => said, { timeout: 10_000 }).toMatch(/l OK/);
      s.write('a APPEND INBOX {20000}\r\n');
      await expect.poll(() => said, { timeout: 5000 }).toMatch(/\r\n\+ /);
      s.write(`Subject: dropped via ${node}\r\n\r\n${'x'.repeat(8000)}`);
      await new Promise((r) => setTimeout(r, 200));
      s.destroy();
    }
    await new Promise((r) => setTimeout(r, 1000));
    expect(list('tmp')).toEqual([]);
    expect({ fresh: list('new'), cur: list('cur') }).toEqual(before);
  });

  it('a holder killed mid-session drops its clients; a reconnect works on the new holder with the same UIDs', async () => {
    const first = await flow(['mail-0', 'mail-1', 'mail-2'].find((n) => c.node(n).running)!); // opens the account somewhere
    const before = await state(first);
    const holder = (await c.openKeys()).get(alice)!.holder;
    const survivor = ['mail-0', 'mail-1', 'mail-2'].find((n) => n !== holder && c.node(n).running)!;
    const proxied = await flow(survivor);
    await proxied.mailboxOpen('INBOX');
    const dropped = new Promise<void>((resolve) => proxied.on('close', () => resolve()));
    await c.node(holder).kill();
    await dropped;
    const after = await state(await flow(survivor));
    expect(after.map((m) => [m.uid, m.subject])).toEqual(before.map((m) => [m.uid, m.subject]));
    expect((await c.openKeys()).get(alice)!.holder).not.toBe(holder);
  });
});
