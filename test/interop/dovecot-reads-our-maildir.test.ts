/**
 * Users are never locked in: Dovecot (Debian's dovecot-imapd) opened on the maildir mailcluster
 * wrote shows the same messages, UIDs, UIDVALIDITY and flags over IMAP (imapflow as the client).
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MaildirFolder } from '../../src/storage/maildir/folder.ts';
import { MaildirDelivery, accountDir } from '../../worker/delivery/maildir-delivery.ts';
import { Dovecot } from '../harness/dovecot.ts';

const root = mkdtempSync(join(tmpdir(), 'mailcluster-dovecot-'));
const dovecot = new Dovecot(join(root, 'dovecot'), `maildir:${root}/mail/%d/%n`);
const account = 'gina@example.test';
let ours: Array<{ uid: number; subject: string; flags: string[] }>;
let uidValidity: number;

beforeAll(async () => {
  const delivery = new MaildirDelivery({ root });
  for (const s of ['first', 'second', 'third', 'fourth']) {
    await delivery.deliver(account, '1', Buffer.from(`From: a@remote.test\r\nTo: ${account}\r\nSubject: ${s}\r\n\r\nbody of ${s}\r\n`));
  }
  const folder = new MaildirFolder(accountDir(root, account));
  await folder.sync();
  await folder.setFlags(2, ['\\Seen', '\\Flagged']);
  await folder.setFlags(4, ['\\Answered', '\\Seen']);
  await folder.expunge([3]);
  uidValidity = folder.uidValidity;
  ours = await Promise.all(
    folder.messages().map(async (m) => ({ uid: m.uid, subject: /Subject: (.*)\r\n/.exec((await folder.read(m.uid)).toString())![1]!, flags: [...m.flags].sort() })),
  );
  // Dovecot's mail processes run as nobody: hand the maildir over as an operator migrating would.
  execFileSync('chown', ['-R', 'nobody:nogroup', join(root, 'mail')]);
  chmodSync(root, 0o755);
  await dovecot.start();
}, 60_000);

afterAll(async () => {
  await dovecot.stop();
  if (!process.env.KEEP_TEST_DATA) rmSync(root, { recursive: true, force: true });
});

describe('Dovecot reading our maildir', () => {
  it('shows the same messages, UIDs, UIDVALIDITY and flags', async () => {
    const client = new ImapFlow({ host: '127.0.0.1', port: dovecot.imapPort, secure: false, auth: { user: account, pass: 'pass' }, logger: false });
    await client.connect();
    try {
      const box = await client.mailboxOpen('INBOX', { readOnly: true });
      expect(Number(box.uidValidity)).toBe(uidValidity);
      expect(box.exists).toBe(3);
      const seen: Array<{ uid: number; subject: string; flags: string[] }> = [];
      for await (const m of client.fetch('1:*', { uid: true, flags: true, envelope: true })) {
        seen.push({ uid: m.uid, subject: m.envelope?.subject ?? '', flags: [...(m.flags ?? [])].filter((f) => f !== '\\Recent').sort() });
      }
      expect(seen).toEqual(ours);
      expect(ours.map((m) => m.uid)).toEqual([1, 2, 4]);
      expect(Number(box.uidNext)).toBe(5);
    } finally {
      await client.logout();
    }
    expect(readdirSync(join(root, 'mail', 'example.test', 'gina'))).toContain('dovecot-uidlist');
  });
});
