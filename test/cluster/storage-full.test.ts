/**
 * The shared storage runs full (a 4 MiB tmpfs as the storage root, filled up): every client gets a
 * temporary refusal that says so — SMTP `452 4.3.1` on the holder and through a hand-over, IMAP
 * `NO [UNAVAILABLE]` — nothing half-written is left in tmp/, new/ or cur/, the UID list and the
 * mailbox stay as they were, and once space is freed mail flows again with no operator action.
 * POP3 reads and sets \Seen with no byte free; a QUIT whose expunge cannot rewrite the UID list
 * answers `-ERR [SYS/TEMP]`, leaves the list intact and every other message under its UIDL.
 * Mounting the tmpfs needs root: without it this test fails and says so.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../harness/cluster.ts';
import { addAccounts, send } from '../harness/mail.ts';
import { RawImap } from '../harness/imap.ts';
import { Pop3Client } from '../harness/pop3.ts';

const mount = mkdtempSync(join(tmpdir(), 'mailcluster-full-'));
const root = join(mount, 'shared');
let c: TestCluster;
let alice = '';

beforeAll(async () => {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mount], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(`this test mounts a small tmpfs to fill the storage and needs root: ${(err as Error).message}`);
  }
  c = await startTestCluster({ env: { MAILCLUSTER_STORAGE_ROOT: root } });
  await c.electedController();
  [alice] = (await addAccounts(c, 'example.test', ['alice'])) as [string];
  await c.rpc('mail-0', 'acquire', { account: alice });
});
afterAll(async () => {
  await c?.stop();
  try {
    execFileSync('umount', [mount], { stdio: 'pipe' });
  } catch {
    // not mounted (beforeAll failed before the mount)
  }
  rmSync(mount, { recursive: true, force: true });
});

const free = (): number => {
  const s = statfsSync(mount);
  return s.bavail * s.bsize;
};
const reply = (p: Promise<unknown>): Promise<string> =>
  p.then((x) => (x as { response: string }).response, (e: { response?: string; message?: string }) => e.response ?? e.message ?? String(e));
const dir = (): string => join(root, 'mail', 'example.test', 'alice');
const files = (sub: string): string[] => readdirSync(join(dir(), sub)).sort();

describe('a full storage', () => {
  it('refuses temporarily, leaves nothing half-written, and recovers when space is freed', async () => {
    expect(await reply(send(c, 'mail-0', { from: 'x@remote.test', to: alice, subject: 'first' }))).toMatch(/^250 /);
    const imap = await RawImap.open(Number(c.node('mail-0').env.MAILCLUSTER_PORTS_IMAP));
    await imap.cmd('l', `LOGIN ${alice} password-1`);
    expect(await imap.cmd('s', 'SELECT INBOX')).toContain('* 1 EXISTS');
    const before = { cur: files('cur'), fresh: files('new'), uids: readFileSync(join(dir(), 'dovecot-uidlist'), 'utf8') };

    writeFileSync(join(mount, 'filler'), Buffer.alloc(Math.max(0, free() - 64 * 1024)));
    const big = `Subject: big\r\n\r\n${'z'.repeat(200_000)}\r\n`;
    expect(await reply(send(c, 'mail-0', { from: 'x@remote.test', to: alice, subject: 'big', raw: big }))).toMatch(/^452 4\.3\.1 /);
    expect(await reply(send(c, 'mail-1', { from: 'x@remote.test', to: alice, subject: 'big', raw: big }))).toMatch(/^452 4\.3\.1 /);
    expect((await imap.cmd('a', `APPEND INBOX {${big.length}+}\r\n${big}`)).trim()).toMatch(/^a NO \[UNAVAILABLE\] .*disk space/);
    // flag changes need no space (a rename) and still work
    expect(await imap.cmd('f', 'STORE 1 +FLAGS (\\Flagged)')).toMatch(/f OK /);

    // POP3 keeps serving on a storage with no byte free: reading needs no space, and QUIT's
    // update (\Seen on what was retrieved) is a rename
    writeFileSync(join(mount, 'filler2'), Buffer.alloc(free()));
    expect(free()).toBe(0);
    const { client: pop } = await Pop3Client.open(Number(c.node('mail-0').env.MAILCLUSTER_PORTS_POP3));
    expect(await pop.login(alice, 'password-1')).toMatch(/^\+OK /);
    expect(await pop.multi('RETR 1')).toMatch(/^\+OK [\s\S]*Subject: first/);
    expect(await pop.cmd('QUIT')).toMatch(/^\+OK .*signing off/);
    expect(files('cur').some((f) => /:2,[A-Z]*S/.test(f))).toBe(true);
    rmSync(join(mount, 'filler2'));
    expect(files('tmp')).toEqual([]);
    expect(files('new')).toEqual(before.fresh);
    expect(files('cur').length).toBe(before.cur.length);
    expect(readFileSync(join(dir(), 'dovecot-uidlist'), 'utf8')).toBe(before.uids);

    rmSync(join(mount, 'filler'));
    expect(await reply(send(c, 'mail-1', { from: 'x@remote.test', to: alice, subject: 'after' }))).toMatch(/^250 /);
    expect(await imap.cmd('n', 'NOOP')).toContain('* 2 EXISTS');
    const fetched = await imap.cmd('u', 'UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])');
    expect(fetched).toMatch(/UID 1 FLAGS \([^)]*\\Flagged/);
    expect(fetched).toContain('Subject: after');
    expect(fetched).not.toContain('Subject: big');
    imap.close();

    // A POP3 QUIT whose update cannot be written says so and changes nothing: with enough
    // messages the UID list spans several pages, more than expunging one small message frees.
    for (let i = 0; i < 15; i++) {
      const batch = Array.from({ length: 10 }, (_, k) => send(c, 'mail-0', { from: 'x@remote.test', to: alice, subject: `bulk ${i * 10 + k}` }));
      for (const r of await Promise.all(batch)) expect(r.response).toMatch(/^250 /);
    }
    const { client: pop2 } = await Pop3Client.open(Number(c.node('mail-0').env.MAILCLUSTER_PORTS_POP3));
    expect(await pop2.login(alice, 'password-1')).toMatch(/^\+OK /); // the maildrop: UIDs given to all
    expect(readFileSync(join(dir(), 'dovecot-uidlist'), 'utf8').length).toBeGreaterThan(8192);
    writeFileSync(join(mount, 'filler3'), Buffer.alloc(free()));
    expect(free()).toBe(0);
    const unchanged = { cur: files('cur'), uids: readFileSync(join(dir(), 'dovecot-uidlist'), 'utf8') };
    const uidls = (text: string): string[] => text.split('\r\n').slice(1).filter((l) => /^\d+ /.test(l)).map((l) => l.split(' ')[1]!);
    const listed = uidls(await pop2.multi('UIDL'));
    expect(await pop2.cmd('DELE 1')).toMatch(/^\+OK /);
    expect(await pop2.cmd('QUIT')).toMatch(/^-ERR \[SYS\/TEMP\] /);
    // the UID list was not half-written (replaced by rename, or not at all) and nothing is left in
    // tmp/; of the messages only the one marked may be gone (its unlink precedes the list, as after
    // a crash: RFC 1939's "some deleted messages not removed")
    expect(readFileSync(join(dir(), 'dovecot-uidlist'), 'utf8')).toBe(unchanged.uids);
    expect(files('tmp')).toEqual([]);
    const lost = unchanged.cur.filter((f) => !files('cur').includes(f));
    expect(lost.length).toBeLessThanOrEqual(1);
    rmSync(join(mount, 'filler3'));
    // once there is space, every other message is still served under its UIDL
    const { client: pop3 } = await Pop3Client.open(Number(c.node('mail-0').env.MAILCLUSTER_PORTS_POP3));
    expect(await pop3.login(alice, 'password-1')).toMatch(/^\+OK /);
    const after = uidls(await pop3.multi('UIDL'));
    expect(after).toEqual(listed.slice(lost.length));
    expect(await pop3.cmd('QUIT')).toMatch(/^\+OK /);
  });
});
