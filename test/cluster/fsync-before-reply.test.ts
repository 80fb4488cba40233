/**
 * "Never 250 / OK / +OK before fsync", checked on real node processes with every fsync held
 * (test/harness/fsync-gate.ts): the reply arrives only after the fsync of the data it vouches for
 * was released, and it does arrive once released. Port 25 into the holder's maildir, into the
 * spool, and through LMTP to another holder; IMAP APPEND, and MULTIAPPEND through a proxying
 * node; POP3 DELE + QUIT.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../harness/cluster.ts';
import { FsyncGateDir, type Stepped } from '../harness/fsync-gate.ts';
import { addAccounts, inbox, maildir, send, subjectOf } from '../harness/mail.ts';
import { Pop3Client } from '../harness/pop3.ts';
import { RawImap } from '../harness/imap.ts';

const gate = new FsyncGateDir();
let c: TestCluster;
let local: string; // held by mail-0, the node mail is sent through
let remote: string; // held by mail-1: mail-0 hands it over by LMTP
let unheld: string; // held by nobody: mail-0 spools it
beforeAll(async () => {
  c = await startTestCluster({ nodes: 2, env: gate.env });
  await c.electedController();
  [local, remote, unheld] = await addAccounts(c, 'example.test', ['local', 'remote', 'unheld']) as [string, string, string];
  await c.rpc('mail-0', 'acquire', { account: local });
  await c.rpc('mail-1', 'acquire', { account: remote });
});
afterAll(async () => {
  await c?.stop();
  gate.remove();
});

/** The held fsyncs released before the reply, as paths relative to `base`. */
function syncedBefore<T>(s: Stepped<T>, base: string): string[] {
  return FsyncGateDir.before(s).filter((p) => p.startsWith(base)).map((p) => p.slice(base.length).replace(/^\//, ''));
}

function fulfilled<T>(s: Stepped<T>): T {
  if (s.outcome.status === 'rejected') throw s.outcome.reason;
  return s.outcome.value;
}

describe('no reply before the fsync of its data', () => {
  it('port 25 into the receiving holder\'s maildir: 250 only after the message file and new/ are fsynced', async () => {
    const s = await gate.step(() => send(c, 'mail-0', { from: 'a@remote.test', to: local, subject: 'direct' }));
    expect(fulfilled(s).response).toMatch(/^250 2\.0\.0 Ok: delivered as /);
    const synced = syncedBefore(s, maildir(c, local));
    expect(synced.filter((p) => p.startsWith('tmp/'))).toHaveLength(1);
    expect(synced).toContain('new');
    expect(inbox(c, local).map(subjectOf)).toEqual(['direct']);
  });

  it('port 25 handed over by LMTP: the holder\'s fsyncs come before the LMTP 250, hence before the client\'s', async () => {
    const s = await gate.step(() => send(c, 'mail-0', { from: 'a@remote.test', to: remote, subject: 'over lmtp' }));
    expect(fulfilled(s).response).toMatch(/^250 2\.0\.0 Ok: delivered as /);
    const synced = syncedBefore(s, maildir(c, remote));
    expect(synced.filter((p) => p.startsWith('tmp/'))).toHaveLength(1);
    expect(synced).toContain('new');
    // handed over, not spooled: mail-0's spool saw no fsync of a message
    expect(syncedBefore(s, join(c.local.dataDir, 'shared', 'queue', 'mail-0', 'msg'))).toEqual([]);
  });

  it('port 25 into the spool: 250 only after the message, its envelope and both directories are fsynced', async () => {
    const queue = join(c.local.dataDir, 'shared', 'queue', 'mail-0');
    const s = await gate.step(() => send(c, 'mail-0', { from: 'a@remote.test', to: unheld, subject: 'spooled' }));
    expect(fulfilled(s).response).toMatch(/^250 /);
    const synced = syncedBefore(s, queue);
    expect(synced.filter((p) => /^msg\/[^/]+$/.test(p))).toHaveLength(1);
    expect(synced.filter((p) => /^env\/[^/]+\.json\.tmp$/.test(p))).toHaveLength(1);
    expect(synced).toContain('msg');
    expect(synced).toContain('env');
    await expect.poll(() => inbox(c, unheld).map(subjectOf), { timeout: 20_000 }).toEqual(['spooled']);
  });

  it('IMAP APPEND: OK only after the message file, cur/ and the UID list are fsynced', async () => {
    const f = new ImapFlow({ host: '127.0.0.1', port: Number(c.node('mail-0').env.MAILCLUSTER_PORTS_IMAP), secure: false, auth: { user: local, pass: 'password-1' }, logger: false, tls: { rejectUnauthorized: false }, connectionTimeout: 30_000 });
    f.on('error', () => undefined);
    await f.connect();
    try {
      const s = await gate.step(() => f.append('INBOX', 'Subject: appended\r\n\r\nbody\r\n'));
      expect(fulfilled(s)).toMatchObject({ uid: expect.any(Number) });
      const synced = syncedBefore(s, maildir(c, local));
      expect(synced.filter((p) => p.startsWith('tmp/'))).toHaveLength(1);
      expect(synced).toContain('cur');
      expect(synced).toContain('dovecot-uidlist.mailcluster.tmp');
      expect(synced).toContain(''); // the account directory, after the UID list's rename
    } finally {
      await f.logout().catch(() => undefined);
    }
  });

  it('POP3 DELE + QUIT: +OK only after the unlink is fsynced (cur/) and the UID list rewritten', async () => {
    const { client } = await Pop3Client.open(Number(c.node('mail-0').env.MAILCLUSTER_PORTS_POP3));
    expect(await client.login(local, 'password-1')).toMatch(/^\+OK maildrop has 2 messages/); // delivered, then appended
    const before = readdirSync(join(maildir(c, local), 'cur')).length;
    expect(await client.cmd('DELE 1')).toMatch(/^\+OK/);
    const s = await gate.step(() => client.cmd('QUIT'));
    expect(fulfilled(s)).toMatch(/^\+OK/);
    const synced = syncedBefore(s, maildir(c, local));
    expect(synced).toContain('cur');
    expect(synced).toContain('dovecot-uidlist.mailcluster.tmp');
    expect(readdirSync(join(maildir(c, local), 'cur'))).toHaveLength(before - 1);
    expect(existsSync(join(maildir(c, local), 'dovecot-uidlist.mailcluster.tmp'))).toBe(false);
  });

  it('IMAP MULTIAPPEND through a proxying node (literal8 and CATENATE among the messages): OK only after all are fsynced on the holder', async () => {
    const r = await RawImap.open(Number(c.node('mail-1').env.MAILCLUSTER_PORTS_IMAP)); // mail-0 holds the account
    try {
      expect(await r.cmd('l', `LOGIN ${local} password-1`)).toMatch(/^l OK \[CAPABILITY [^\]]*MULTIAPPEND BINARY CATENATE/);
      expect(await r.cmd('e', 'EXAMINE INBOX')).toMatch(/e OK/);
      const [, uid] = /\* SEARCH (\d+)/.exec(await r.cmd('s', 'UID SEARCH ALL')) ?? [];
      expect(uid).toBeDefined();
      const plain = 'Subject: multi 1\r\n\r\none\r\n';
      const binary = Buffer.from('Subject: multi 2\r\nContent-Transfer-Encoding: binary\r\n\r\n\0\x01\xfe\r\n', 'latin1');
      const wire = Buffer.concat([Buffer.from(`m APPEND INBOX {${plain.length}+}\r\n${plain} ~{${binary.length}+}\r\n`), binary, Buffer.from(` CATENATE (TEXT {18+}\r\nSubject: multi 3\r\n URL "/INBOX/;UID=${uid}/;SECTION=TEXT")\r\n`)]);
      const s = await gate.step(() => {
        r.socket.write(wire);
        return r.until('m');
      });
      expect(fulfilled(s)).toMatch(/^\* 4 EXISTS\r\n\* 3 RECENT\r\nm OK \[APPENDUID \d+ (\d+):(\d+)\] APPEND completed\r\n$/); // EXAMINEd: told at once
      const synced = syncedBefore(s, maildir(c, local));
      expect(synced.filter((p) => p.startsWith('tmp/'))).toHaveLength(3);
      expect(synced).toContain('cur');
      expect(synced).toContain('dovecot-uidlist.mailcluster.tmp');
      const [, first, last] = /(\d+):(\d+)\]/.exec(fulfilled(s))!;
      expect(Number(last) - Number(first)).toBe(2);
      expect(inbox(c, local).map(subjectOf)).toEqual(expect.arrayContaining(['multi 1', 'multi 2', 'multi 3']));
      await r.cmd('x', 'EXAMINE INBOX');
      expect(await r.cmd('b', `UID FETCH ${Number(first) + 1} BINARY.PEEK[1]`)).toContain(`BINARY[1] ~{5}\r\n\0\x01\xfe\r\n)`);
    } finally {
      r.close();
    }
  });
});
