/**
 * Differential test of NOTIFY (RFC 5465): the same two-session script against Debian's Dovecot
 * and our IMAP server (memory store). Session A selects INBOX and asks for SELECTED and PERSONAL
 * events; session B appends to, flags and expunges in another mailbox, then creates, renames,
 * subscribes, unsubscribes and deletes one. After each change A waits for the notification it
 * should get (Dovecot sends them asynchronously); the STATUS and LIST lines are compared, with
 * Dovecot's hierarchy separator "." read as ours "/". Not compared: `NOTIFY SET (STATUS)`, which
 * Dovecot 2.3 refuses as BAD although RFC 5465 §3 has it (imap-notify.test.ts covers ours).
 */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/storage/memory/store.ts';
import { Dovecot } from '../harness/dovecot.ts';
import { RawImap, startImap } from '../harness/imap.ts';

const root = mkdtempSync(join(tmpdir(), 'mailcluster-notify-dovecot-'));
const dovecot = new Dovecot(join(root, 'dovecot'), `maildir:${root}/mail/%d/%n`);
let ours: Awaited<ReturnType<typeof startImap>>;
const clients: RawImap[] = [];

const msg = (s: string): string => `From: bob@example.test\r\nSubject: ${s}\r\n\r\nbody\r\n`;
const append = (folder: string, s: string): string => `APPEND ${folder} {${msg(s).length}+}\r\n${msg(s)}`;

async function transcript(port: number): Promise<string[]> {
  const a = await RawImap.open(port);
  const b = await RawImap.open(port);
  clients.push(a, b);
  const out: string[] = [];
  expect(await a.cmd('l', 'LOGIN n@example.test pass')).toMatch(/l OK/);
  expect(await b.cmd('l', 'LOGIN n@example.test pass')).toMatch(/l OK/);
  expect(await a.cmd('c', 'CREATE Other')).toMatch(/c OK/);
  expect(await a.cmd('a', append('Other', 'one'))).toMatch(/a OK/);
  expect(await a.cmd('s', 'SELECT INBOX')).toMatch(/s OK/);
  expect(await a.cmd('n', 'NOTIFY SET (SELECTED (MessageNew MessageExpunge)) (PERSONAL (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange))')).toMatch(/^n OK/);
  const step = async (commands: string[], expect: 'STATUS' | 'LIST'): Promise<void> => {
    for (const c of commands) await b.cmd('b', c);
    const got = await a.read((x) => x.includes(`* ${expect} `), 10_000);
    out.push(...got.split('\r\n').filter(Boolean).map((l) => l.replace(/^(\* LIST \([^)]*\)) "\." /, '$1 "/" ')));
  };
  await step([append('Other', 'two')], 'STATUS');
  await step(['SELECT Other', 'STORE 1 +FLAGS (\\Seen)'], 'STATUS');
  await step(['STORE 1 +FLAGS.SILENT (\\Deleted)', 'EXPUNGE'], 'STATUS');
  await step(['CREATE New'], 'LIST');
  await step(['RENAME New Newer'], 'LIST');
  await step(['SUBSCRIBE Newer'], 'LIST');
  await step(['UNSUBSCRIBE Newer'], 'LIST');
  await step(['DELETE Newer'], 'LIST');
  return out;
}

beforeAll(async () => {
  mkdirSync(join(root, 'mail'));
  chownSync(join(root, 'mail'), 65534, 65534);
  chmodSync(root, 0o755);
  await dovecot.start();
  ours = await startImap(new MemoryStore(), { 'n@example.test': 'pass' });
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await ours?.server.close();
  await dovecot.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('NOTIFY agrees with Dovecot', () => {
  it('the same STATUS and LIST notifications for the same changes', async () => {
    const theirs = await transcript(dovecot.imapPort);
    const mine = await transcript(ours.port);
    expect(mine).toEqual(theirs);
    expect(theirs).toEqual([
      '* STATUS Other (MESSAGES 2 UIDNEXT 3 UNSEEN 2)',
      '* STATUS Other (UNSEEN 1)',
      '* STATUS Other (MESSAGES 1 UIDNEXT 3 UNSEEN 1)',
      '* LIST () "/" New',
      '* LIST () "/" Newer ("OLDNAME" (New))',
      '* LIST (\\Subscribed) "/" Newer',
      '* LIST () "/" Newer',
      '* LIST (\\NonExistent) "/" Newer',
    ]);
  });
});
