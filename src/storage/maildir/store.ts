/**
 * The real MailStore: Maildir++ under `<root>/mail/<domain>/<local>/` (design §6), readable by Dovecot
 * with its default maildir settings (see paths.ts for the layout, uidlist.ts for the UID list).
 *
 * openAccount creates the account's INBOX maildir if missing and resolves with a MaildirAccount; it
 * rejects with OUTSIDE_ROOT for a name that is not normalised, or an I/O error. It does not write
 * the fence file: the cluster layer does that when it opens the account (writeFence), and passes its
 * token here so every commit checks it. Keep one AccountStore per account per process.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AccountName } from '../../util/account.ts';
import { systemClock, type Clock } from '../../util/clock.ts';
import type { AccountStore, MailStore, OpenAccountOptions } from '../types.ts';
import { MaildirAccount } from './account.ts';
import { accountDir } from './paths.ts';

export interface MaildirStoreOptions {
  /** The shared storage root (config storage.root). */
  readonly root: string;
  readonly clock?: Clock;
}

export class MaildirStore implements MailStore {
  constructor(private readonly o: MaildirStoreOptions) {}

  /** The account's Maildir++ root (its INBOX); OUTSIDE_ROOT if the name is not normalised. */
  accountDir(account: AccountName): string {
    return accountDir(this.o.root, account);
  }

  async openAccount(account: AccountName, options: OpenAccountOptions = {}): Promise<AccountStore> {
    const dir = this.accountDir(account);
    for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(dir, sub), { recursive: true });
    const clock = this.o.clock ?? systemClock;
    return new MaildirAccount(account, dir, { ...options, now: () => clock.now() });
  }
}
