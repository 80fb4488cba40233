/**
 * Pop3Hooks for one server over any MailStore (maildir, or memory in protocol tests): every login
 * is served here; the account's store is shared through an AccountRegistry (pass IMAP's to share
 * it with IMAP sessions). The cluster node uses NodePop3Hooks instead.
 */
import type { Pop3Hooks, Pop3Maildrop, Pop3Route } from '../../src/protocol/pop3/hooks.ts';
import type { MailStore } from '../../src/storage/types.ts';
import { accountOf } from '../../src/util/account.ts';
import { AccountRegistry } from '../imap/account-registry.ts';
import { ChangeBus } from '../imap/account.ts';
import { openMaildrop, WireSizes } from './maildrop.ts';

export interface StorePop3HooksOptions {
  store: MailStore;
  /** Whether the password is right for the normalised account name. */
  checkPassword: (account: string, password: string) => Promise<boolean>;
  /** Where the session runs (default: here). */
  routeLogin?: (account: string) => Promise<Pop3Route>;
  registry?: AccountRegistry;
  bus?: ChangeBus;
}

export class StorePop3Hooks implements Pop3Hooks {
  readonly registry: AccountRegistry;
  readonly bus: ChangeBus;
  private readonly sizes = new WireSizes();

  constructor(private readonly o: StorePop3HooksOptions) {
    this.registry = o.registry ?? new AccountRegistry({ store: o.store, token: () => undefined, assertServing: () => undefined });
    this.bus = o.bus ?? new ChangeBus();
  }

  async authenticate(user: string, password: string): Promise<string | undefined> {
    const account = accountOf(user); // not an account name: the same reply as a wrong password
    return account !== undefined && (await this.o.checkPassword(account, password)) ? account : undefined;
  }

  route(account: string): Promise<Pop3Route> {
    return this.o.routeLogin?.(account) ?? Promise.resolve({ kind: 'local' });
  }

  async openMaildrop(account: string): Promise<Pop3Maildrop> {
    const { store, release } = await this.registry.acquire(account);
    return openMaildrop(account, { store, sizes: this.sizes, changed: (c) => this.bus.notify(account, c), onClose: release });
  }
}
