/**
 * A holder that hangs (SIGSTOP: its sockets stay open, nothing answers) must not leave the clients
 * proxied to it waiting: once its lease runs out and the account's grant goes away, the proxying
 * nodes end those sessions — IMAP `* BYE`, POP3 `-ERR [SYS/TEMP]` — and a reconnect is served by
 * the account's new holder while the old one is still frozen.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEASE_TTL_MS, startTestCluster, type TestCluster } from '../harness/cluster.ts';
import { addAccounts } from '../harness/mail.ts';
import { RawImap } from '../harness/imap.ts';
import { Pop3Client } from '../harness/pop3.ts';

let c: TestCluster;
let alice = '';
const imapPort = (node: string): number => Number(c.node(node).env.MAILCLUSTER_PORTS_IMAP);
const pop3Port = (node: string): number => Number(c.node(node).env.MAILCLUSTER_PORTS_POP3);

beforeAll(async () => {
  c = await startTestCluster();
  await c.electedController();
  [alice] = (await addAccounts(c, 'example.test', ['alice'])) as [string];
  expect((await c.rpc('mail-0', 'acquire', { account: alice })).holder).toBe('mail-0');
});
afterAll(async () => {
  c?.node('mail-0').resume();
  await c?.stop();
});

describe('a hung holder', () => {
  it('its proxied IMAP and POP3 clients are told to reconnect, and a reconnect works elsewhere', async () => {
    const imap = await RawImap.open(imapPort('mail-1'));
    expect(await imap.cmd('l', `LOGIN ${alice} password-1`)).toMatch(/l OK /);
    expect(await imap.cmd('s', 'SELECT INBOX')).toMatch(/s OK /);
    const { client: pop3 } = await Pop3Client.open(pop3Port('mail-2'));
    await pop3.cmd(`USER ${alice}`);
    expect(await pop3.cmd('PASS password-1')).toMatch(/^\+OK/);

    c.node('mail-0').pause();
    const started = Date.now();
    try {
      // without a word from the holder; the grant goes with its lease
      expect(await imap.read((b) => b.includes('\r\n'), LEASE_TTL_MS + 7000)).toMatch(/^\* BYE .*reconnect/);
      const imapAfter = Date.now() - started;
      expect(await pop3.line(LEASE_TTL_MS + 7000)).toMatch(/^-ERR \[SYS\/TEMP\] .*reconnect/);
      console.log(`hung holder: proxied IMAP client told after ${imapAfter} ms, POP3 after ${Date.now() - started} ms`);

      const again = await RawImap.open(imapPort('mail-1'));
      expect(await again.cmd('l', `LOGIN ${alice} password-1`)).toMatch(/l OK /);
      expect(await again.cmd('s', 'SELECT INBOX')).toMatch(/s OK /);
      again.close();
      expect((await c.openKeys()).get(alice)?.holder).not.toBe('mail-0');
    } finally {
      c.node('mail-0').resume();
      imap.close();
    }
  });
});
