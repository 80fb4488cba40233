/**
 * imapflow syncing with CONDSTORE and QRESYNC (it ENABLEs both when asked to) against the IMAP
 * server on the real maildir store, across a server restart on the same storage: what a client
 * cached before (UIDVALIDITY, HIGHESTMODSEQ) still resynchronises it afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, describe, expect, it } from 'vitest';
import { MaildirStore } from '../../src/storage/maildir/store.ts';
import { parseAccount } from '../../src/util/account.ts';
import { startImap } from '../harness/imap.ts';

const root = mkdtempSync(join(tmpdir(), 'mailcluster-condstore-'));
const users = { 'alice@example.test': 'pw' };
const servers: Array<Awaited<ReturnType<typeof startImap>>> = [];
const flows: ImapFlow[] = [];
afterAll(async () => {
  for (const f of flows) await f.logout().catch(() => f.close());
  for (const s of servers) await s.server.close().catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
});

async function start(): Promise<number> {
  const srv = await startImap(new MaildirStore({ root }), users);
  servers.push(srv);
  return srv.port;
}

async function client(port: number): Promise<ImapFlow> {
  const f = new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user: 'alice@example.test', pass: 'pw' }, logger: false, qresync: true, doSTARTTLS: false });
  f.on('error', () => undefined);
  await f.connect();
  flows.push(f);
  return f;
}

describe('imapflow with CONDSTORE / QRESYNC on the maildir store', () => {
  it('enables both, syncs changes since a modseq, and resynchronises after a restart with QRESYNC', async () => {
    const seed = await new MaildirStore({ root }).openAccount(parseAccount('alice@example.test'));
    for (const s of ['one', 'two', 'three']) await seed.appendMessage('INBOX', Buffer.from(`Subject: ${s}\r\n\r\n${s}\r\n`));
    await seed.close();

    const f = await client(await start());
    expect([...f.enabled].sort()).toEqual(expect.arrayContaining(['CONDSTORE', 'QRESYNC']));
    const box = await f.mailboxOpen('INBOX');
    const cached = { uidValidity: box.uidValidity, highestModseq: box.highestModseq };
    expect(typeof cached.highestModseq).toBe('bigint');

    await f.messageFlagsAdd('2', ['\\Seen'], { uid: true });
    const changed = [];
    for await (const m of f.fetch('1:*', { uid: true, flags: true }, { uid: true, changedSince: cached.highestModseq! })) changed.push({ uid: m.uid, flags: [...(m.flags ?? [])], modseq: m.modseq });
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({ uid: 2, flags: ['\\Seen'] });
    expect(changed[0]!.modseq! > cached.highestModseq!).toBe(true);

    expect(await f.messageDelete('3', { uid: true })).toBe(true);
    const st = await f.status('INBOX', { highestModseq: true });
    const beforeRestart = st ? st.highestModseq : undefined;
    expect(beforeRestart! > changed[0]!.modseq!).toBe(true); // the expunge took a modseq of its own
    await f.logout();
    await servers[0]!.server.close();

    // a new server process on the same storage: the client resyncs from what it cached
    const g = await client(await start());
    const expunged: Array<{ uid?: number; vanished?: boolean; earlier?: boolean }> = [];
    const flagged: Array<{ uid?: number; flags: Set<string>; modseq?: bigint }> = [];
    g.on('expunge', (e: { uid?: number; vanished?: boolean; earlier?: boolean }) => expunged.push(e));
    g.on('flags', (e: { uid?: number; flags: Set<string>; modseq?: bigint }) => flagged.push(e));
    const again = await g.mailboxOpen('INBOX', { uidValidity: cached.uidValidity, changedSince: cached.highestModseq! } as never);
    expect(again.uidValidity).toBe(cached.uidValidity);
    expect(again.highestModseq).toBe(beforeRestart);
    expect(expunged).toEqual([expect.objectContaining({ uid: 3, vanished: true, earlier: true })]);
    expect(flagged.map((e) => [e.uid, [...e.flags]])).toEqual([[2, ['\\Seen']]]);
    expect(flagged[0]!.modseq).toBe(changed[0]!.modseq);
  });
});
