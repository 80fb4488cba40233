/**
 * ImapHooks for one server over any MailStore (maildir in production, memory in protocol tests):
 * every login is served here, all sessions of an account share one open AccountStore, and an
 * in-process ChangeBus tells an account's sessions of each other's changes. The cluster node uses
 * NodeImapHooks instead (routing through the lock service); both build sessions the same way.
 *
 * Delivery: whoever puts mail into an account's folder outside IMAP calls `delivered(account)`;
 * its sessions reread the folder (`* n EXISTS`, at once for those in IDLE). Without that call
 * sessions still see new mail at their next NOOP / IDLE rescan (at most every 2 s).
 */
import type { ImapAccount, ImapHooks, LoginRoute } from '../../src/protocol/imap/server/hooks.ts';
import type { MailStore } from '../../src/storage/types.ts';
import { accountOf } from '../../src/util/account.ts';
import { AccountRegistry } from './account-registry.ts';
import { ChangeBus, SessionAccount, type SubscriptionFile } from './account.ts';

export interface StoreHooksOptions {
  store: MailStore;
  /** The normalised account name when the password is right. Rejecting = a temporary failure. */
  checkPassword: (account: string, password: string) => Promise<boolean>;
  /** Where the session for a logged-in account runs (default: here). The decision point for a proxy. */
  routeLogin?: (account: string) => Promise<LoginRoute>;
  /** The account's quota in bytes, 0 = none (default: none). */
  quotaLimitBytes?: (account: string) => Promise<number>;
  /** Where subscriptions live (default: the store's own). */
  subscriptions?: (account: string) => SubscriptionFile;
}

export class StoreImapHooks implements ImapHooks {
  readonly bus = new ChangeBus();
  readonly registry: AccountRegistry;

  constructor(private readonly o: StoreHooksOptions) {
    this.registry = new AccountRegistry({ store: o.store, token: () => undefined, assertServing: () => undefined });
  }

  async authenticate(user: string, password: string): Promise<string | undefined> {
    const account = accountOf(user); // not an account name: the same reply as a wrong password
    return account !== undefined && (await this.o.checkPassword(account, password)) ? account : undefined;
  }

  route(account: string): Promise<LoginRoute> {
    return this.o.routeLogin?.(account) ?? Promise.resolve({ kind: 'local' });
  }

  async openAccount(account: string): Promise<ImapAccount> {
    const { store, shared, release } = await this.registry.acquire(account);
    return new SessionAccount(account, {
      store,
      shared,
      bus: this.bus,
      ...(this.o.subscriptions ? { subscriptions: this.o.subscriptions(account) } : {}),
      quotaLimitBytes: () => this.o.quotaLimitBytes?.(account) ?? Promise.resolve(0),
      onClose: release,
    });
  }

  /** New mail is in `folder` of `account` (put there outside IMAP): wake the account's sessions. */
  delivered(account: string, folder = 'INBOX'): void {
    this.bus.notify(account, { folder, added: true });
  }
}
