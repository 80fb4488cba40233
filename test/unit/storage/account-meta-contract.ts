/**
 * The contract of AccountStore's subscriptions and quota usage, run against every MailStore
 * (maildir and memory) so the in-memory store behaves like the real one. Not a test file itself.
 */
import { describe, expect, it } from 'vitest';
import type { AccountStore, MailStore, OpenAccountOptions } from '../../../src/storage/types.ts';
import { parseAccount, type AccountName } from '../../../src/util/account.ts';

const msg = (s: string): Buffer => Buffer.from(`Subject: ${s}\r\n\r\nbody of ${s}\r\n`);
const code = (p: Promise<unknown>): Promise<unknown> => p.then(() => 'resolved', (e: { code?: unknown }) => e.code);
let n = 0;

export function accountMetaContract(label: string, makeStore: () => MailStore): void {
  const fresh = (): AccountName => parseAccount(`meta-${label}-${++n}@example.test`);
  const open = (store: MailStore, account: AccountName, o?: OpenAccountOptions): Promise<AccountStore> => store.openAccount(account, o);

  describe(`${label}: subscriptions`, () => {
    it('subscribes and unsubscribes, idempotently, INBOX first then sorted, existing or not', async () => {
      const a = await open(makeStore(), fresh());
      expect(await a.listSubscriptions()).toEqual([]);
      await a.setSubscribed('Zeta', true);
      await a.setSubscribed('inbox', true); // INBOX is case-insensitive
      await a.setSubscribed('Archive/2024', true); // does not exist: allowed (RFC 3501 §6.3.6)
      await a.setSubscribed('Zeta', true);
      expect(await a.listSubscriptions()).toEqual(['INBOX', 'Archive/2024', 'Zeta']);
      await a.setSubscribed('Zeta', false);
      await a.setSubscribed('Never', false);
      expect(await a.listSubscriptions()).toEqual(['INBOX', 'Archive/2024']);
    });

    it('refuses names the store refuses', async () => {
      const a = await open(makeStore(), fresh());
      expect(await code(a.setSubscribed('a..b', true))).toBe('BAD_MAILBOX_NAME');
      expect(await code(a.setSubscribed('', true))).toBe('BAD_MAILBOX_NAME');
      expect(await a.listSubscriptions()).toEqual([]);
    });

    it('survive re-opening the account; DELETE and RENAME leave them alone', async () => {
      const store = makeStore();
      const account = fresh();
      const a = await open(store, account);
      await a.createFolder('Work/Old');
      await a.setSubscribed('Work/Old', true);
      await a.setSubscribed('Café', true);
      await a.renameFolder('Work', 'Job');
      await a.deleteFolder('Job/Old');
      await a.close();
      const b = await open(store, account);
      expect(await b.listSubscriptions()).toEqual(['Café', 'Work/Old']);
    });

    it('a change is a commit: beforeCommit runs first and can refuse it; no change, no commit', async () => {
      let calls = 0;
      let refuse = false;
      const a = await open(makeStore(), fresh(), {
        beforeCommit: async () => {
          calls++;
          if (refuse) throw new Error('self-fenced');
        },
      });
      await a.setSubscribed('A', true);
      const before = calls;
      await a.setSubscribed('A', true);
      expect(calls).toBe(before);
      refuse = true;
      await expect(a.setSubscribed('B', true)).rejects.toThrow('self-fenced');
      refuse = false;
      expect(await a.listSubscriptions()).toEqual(['A']);
    });
  });

  describe(`${label}: quota usage`, () => {
    it('counts bytes and messages in every folder and follows every change', async () => {
      const a = await open(makeStore(), fresh());
      expect(await a.quotaUsage()).toEqual({ bytes: 0, messages: 0 });
      const [m1, m2, m3] = [msg('one'), msg('two'), msg('three')];
      await a.appendMessage('INBOX', m1);
      await a.appendMessage('INBOX', m2);
      await a.createFolder('Archive');
      await a.appendMessage('Archive', m3);
      const all = m1.length + m2.length + m3.length;
      expect(await a.quotaUsage()).toEqual({ bytes: all, messages: 3 });
      await a.copyMessages('INBOX', [1], 'Archive'); // a copy counts again (RFC 9208 §5.1)
      expect(await a.quotaUsage()).toEqual({ bytes: all + m1.length, messages: 4 });
      await a.moveMessages('INBOX', [2], 'Archive');
      expect(await a.quotaUsage()).toEqual({ bytes: all + m1.length, messages: 4 });
      await a.expunge('INBOX', [1]);
      expect(await a.quotaUsage()).toEqual({ bytes: all, messages: 3 });
      await a.renameFolder('INBOX', 'Old');
      expect(await a.quotaUsage()).toEqual({ bytes: all, messages: 3 });
      await a.deleteFolder('Archive');
      expect(await a.quotaUsage()).toEqual({ bytes: 0, messages: 0 });
    });

    it('is the same for a second AccountStore opened on the account', async () => {
      const store = makeStore();
      const account = fresh();
      const a = await open(store, account);
      await a.appendMessage('INBOX', msg('x'));
      await a.close();
      expect(await (await open(store, account)).quotaUsage()).toEqual({ bytes: msg('x').length, messages: 1 });
    });

    it('rejects with CLOSED after close', async () => {
      const a = await open(makeStore(), fresh());
      await a.close();
      expect(await code(a.quotaUsage())).toBe('CLOSED');
      expect(await code(a.listSubscriptions())).toBe('CLOSED');
    });
  });
}
