/**
 * IMAP transcripts for what the QUOTA capabilities promise (RFC 9208), over both stores (maildir,
 * the real one, and memory): QUOTA=RES-STORAGE obliges STATUS DELETED-STORAGE (with DELETED, RFC
 * 9051), and only resources that have a limit are advertised (accounts have no message limit, so
 * no QUOTA=RES-MESSAGE and no MESSAGE resource in QUOTA responses). Real TCP, one user per test.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MaildirStore } from '../../src/storage/maildir/store.ts';
import { MemoryStore } from '../../src/storage/memory/store.ts';
import type { MailStore } from '../../src/storage/types.ts';
import { RawImap, startImap } from '../harness/imap.ts';

const USERS = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`q${i}@example.test`, 'secret-pass']));
const msg = (subject: string, body: string): Buffer => Buffer.from(`From: bob@example.test\r\nSubject: ${subject}\r\n\r\n${body}\r\n`);

const stores: Array<[string, () => Promise<{ store: MailStore; cleanup: () => Promise<void> }>]> = [
  ['memory', async () => ({ store: new MemoryStore(), cleanup: async () => undefined })],
  ['maildir', async () => {
    const root = await mkdtemp(join(tmpdir(), 'imap-quota-'));
    return { store: new MaildirStore({ root }), cleanup: () => rm(root, { recursive: true, force: true, maxRetries: 3 }) };
  }],
];

describe.each(stores)('QUOTA (RFC 9208) over the %s store', (_kind, open) => {
  let srv: Awaited<ReturnType<typeof startImap>>;
  let cleanup: () => Promise<void>;
  const clients: RawImap[] = [];
  let nextUser = 0;

  async function login(): Promise<RawImap> {
    const c = await RawImap.open(srv.port);
    clients.push(c);
    expect(await c.cmd('l', `LOGIN q${nextUser++}@example.test secret-pass`)).toMatch(/^l OK /);
    return c;
  }
  async function append(c: RawImap, mailbox: string, m: Buffer): Promise<void> {
    c.socket.write(Buffer.concat([Buffer.from(`ap APPEND ${mailbox} {${m.length}+}\r\n`), m, Buffer.from('\r\n')]));
    expect(await c.until('ap')).toMatch(/(^|\r\n)ap OK /);
  }

  beforeAll(async () => {
    const opened = await open();
    cleanup = opened.cleanup;
    srv = await startImap(opened.store, USERS);
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await srv.server.close();
    await cleanup();
  });

  it('STATUS DELETED and DELETED-STORAGE: count and octets of the \\Deleted messages, 0 after EXPUNGE', async () => {
    const c = await login();
    const [a, b, d] = [msg('a', 'short'), msg('b', 'a somewhat longer body'), msg('d', 'x'.repeat(300))];
    await c.cmd('c0', 'CREATE Trash');
    for (const m of [a, b, d]) await append(c, 'Trash', m);
    expect(await c.cmd('s0', 'STATUS Trash (DELETED DELETED-STORAGE)')).toBe('* STATUS Trash (DELETED 0 DELETED-STORAGE 0)\r\ns0 OK STATUS completed\r\n');
    await c.cmd('s1', 'SELECT Trash');
    await c.cmd('s2', 'STORE 2:3 +FLAGS.SILENT (\\Deleted)');
    expect(await c.cmd('s3', 'FETCH 2:3 RFC822.SIZE')).toBe(`* 2 FETCH (RFC822.SIZE ${b.length})\r\n* 3 FETCH (RFC822.SIZE ${d.length})\r\ns3 OK FETCH completed\r\n`);
    // on the selected mailbox too, items in the order asked, lower case accepted
    expect(await c.cmd('s4', 'STATUS Trash (deleted-storage MESSAGES deleted SIZE)')).toBe(
      `* STATUS Trash (DELETED-STORAGE ${b.length + d.length} MESSAGES 3 DELETED 2 SIZE ${a.length + b.length + d.length})\r\ns4 OK STATUS completed\r\n`,
    );
    await c.cmd('s5', 'EXPUNGE');
    expect(await c.cmd('s6', 'STATUS Trash (MESSAGES DELETED DELETED-STORAGE)')).toBe('* STATUS Trash (MESSAGES 1 DELETED 0 DELETED-STORAGE 0)\r\ns6 OK STATUS completed\r\n');
    expect(await c.cmd('s7', 'STATUS Nope (DELETED-STORAGE)')).toBe('s7 NO [NONEXISTENT] no such mailbox\r\n');
  });

  it('advertises QUOTA=RES-STORAGE only, and QUOTA responses name STORAGE only (no message limit exists)', async () => {
    srv.hooks.quotaBytes = 64 * 1024;
    try {
      const c = await login();
      const caps = await c.cmd('c1', 'CAPABILITY');
      expect(caps).toMatch(/ QUOTA QUOTA=RES-STORAGE[ \r]/);
      expect(caps).not.toContain('RES-MESSAGE');
      await append(c, 'INBOX', msg('q', 'quota'));
      expect(await c.cmd('q1', 'GETQUOTAROOT INBOX')).toBe('* QUOTAROOT INBOX ""\r\n* QUOTA "" (STORAGE 1 64)\r\nq1 OK GETQUOTAROOT completed\r\n');
      expect(await c.cmd('q2', 'GETQUOTA ""')).toBe('* QUOTA "" (STORAGE 1 64)\r\nq2 OK GETQUOTA completed\r\n');
    } finally {
      srv.hooks.quotaBytes = 0;
    }
  });
});
