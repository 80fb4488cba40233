/**
 * Self-fencing seen by clients: while the holder is paused (SIGSTOP) past its fencing window,
 * an IMAP APPEND, an IMAP STORE and an LMTP delivery wait in its sockets; another node is granted
 * the account and serves it. When the old holder resumes, it refuses all three and writes nothing
 * to the maildir, though the commands were already in its sockets when it woke.
 */
import { NodeTls } from '../../src/cluster/pki/node-tls.ts';
import { nodePkiFiles } from '../../src/cluster/pki/node-pki.ts';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEASE_TTL_MS, startTestCluster, type TestCluster } from '../harness/cluster.ts';
import { addAccounts, inbox, maildir, send, subjectOf } from '../harness/mail.ts';
import { peerCredentials } from '../../worker/lmtp/peer-auth.ts';

let c: TestCluster;
let victim: string;
const flows: ImapFlow[] = [];
beforeAll(async () => {
  c = await startTestCluster();
  await c.electedController();
  victim = (await addAccounts(c, 'example.test', ['victim']))[0]!;
});
afterAll(async () => {
  for (const f of flows) f.close();
  await c?.stop();
});

async function imap(node: string): Promise<ImapFlow> {
  const f = new ImapFlow({ host: '127.0.0.1', port: Number(c.node(node).env.MAILCLUSTER_PORTS_IMAP), secure: false, auth: { user: victim, pass: 'password-1' }, logger: false, tls: { rejectUnauthorized: false }, connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 120_000 });
  f.on('error', () => undefined);
  await f.connect();
  flows.push(f);
  return f;
}

/** Every file name in the account's maildir folders (flags are in the names). */
function files(): string[] {
  const dir = maildir(c, victim);
  return ['new', 'cur', 'tmp'].flatMap((sub) => readdirSync(join(dir, sub)).map((f) => `${sub}/${f}`)).sort();
}

const settle = <T>(p: Promise<T>) => p.then((value) => ({ ok: true as const, value }), (err: unknown) => ({ ok: false as const, err }));

describe('a paused holder, seen by its clients', () => {
  it('refuses APPEND, STORE and LMTP that waited in its sockets, writes nothing, and the new holder serves', async () => {
    const ctl = await c.electedController();
    const holder = c.nodes.find((n) => n.name !== ctl)!;
    const other = c.nodes.find((n) => n.name !== ctl && n !== holder)!;
    await c.rpc(holder.name, 'acquire', { account: victim });
    await send(c, holder.name, { from: 'a@remote.test', to: victim, subject: 'before' });
    const appender = await imap(holder.name);
    const storer = await imap(holder.name);
    await appender.mailboxOpen('INBOX');
    await storer.mailboxOpen('INBOX');
    const mark = holder.logs.length;
    const before = files();

    // The LMTP credential is addressed to the holder's current registration, as a peer's would be.
    const to = { node: holder.name, lease: await c.registration(holder.name) };
    holder.pause();
    const append = settle(appender.append('INBOX', 'Subject: appended while paused\r\n\r\nx\r\n'));
    const store = settle(storer.messageFlagsAdd('1:*', ['\\Flagged']));
    const lmtp = nodemailer.createTransport({ host: '127.0.0.1', port: Number(holder.env.MAILCLUSTER_PORTS_LMTP), lmtp: true, secure: true, tls: NodeTls.load(other.name, nodePkiFiles(c.local.nodePkiDir, other.name)).clientOptions(holder.name), auth: peerCredentials(c.local.secret, other.name, to), greetingTimeout: 60_000, socketTimeout: 60_000 });
    const delivery = settle(lmtp.sendMail({ envelope: { from: 'a@remote.test', to: [victim] }, raw: 'Subject: lmtp while paused\r\n\r\nx\r\n' }));

    // Another node is granted the account and serves it while the holder sleeps.
    await expect.poll(async () => (await c.rpc(other.name, 'acquire', { account: victim })).holder, { timeout: LEASE_TTL_MS + 10_000, interval: 100 }).toBe(other.name);
    const served = await send(c, other.name, { from: 'a@remote.test', to: victim, subject: 'during' });
    expect(served.response).toMatch(/^250 /);
    const duringNewHolder = files();
    expect(duringNewHolder.length).toBe(before.length + 1);

    holder.resume();
    const [a, s, d] = await Promise.all([append, store, delivery]);
    lmtp.close();
    expect(a.ok && a.value).toBeFalsy(); // NO, or the session was ended with BYE
    expect(s.ok && s.value).toBeFalsy();
    expect(d.ok).toBe(false);
    await holder.waitForLog((l) => l.msg === 'self-fenced', 10_000, mark);

    // Nothing the paused holder was asked to do reached the maildir.
    expect(files()).toEqual(duringNewHolder);
    expect(inbox(c, victim).map(subjectOf).sort()).toEqual(['before', 'during']);
    expect(files().some((f) => /:2,[A-Z]*F/.test(f))).toBe(false);

    // The new holder serves the account: both messages, nothing flagged.
    const fresh = await imap(other.name);
    const lock = await fresh.getMailboxLock('INBOX');
    try {
      const msgs = [];
      for await (const m of fresh.fetch('1:*', { envelope: true, flags: true })) msgs.push({ subject: m.envelope?.subject, flagged: m.flags?.has('\\Flagged') ?? false });
      expect(msgs.sort((x, y) => String(x.subject).localeCompare(String(y.subject)))).toEqual([{ subject: 'before', flagged: false }, { subject: 'during', flagged: false }]);
    } finally {
      lock.release();
    }
  });
});
