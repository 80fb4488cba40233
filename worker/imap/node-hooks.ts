/**
 * The IMAP hooks of a cluster node: authentication and routing are the node's ClusterLogin
 * (worker/routing/login.ts: the account directory, IMAP peer tokens, the lock service, waiting
 * through a controller failover rather than refusing; sessions for accounts held elsewhere are
 * proxied to the holder's IMAP port); accounts served here share the node's open stores.
 */
import type { LoginClient } from '../../src/protocol/login-client.ts';
import type { ImapAccount, ImapHooks, LoginRoute } from '../../src/protocol/imap/server/hooks.ts';
import { ClusterLogin, type NodeLoginOptions } from '../routing/login.ts';
import { SessionAccount, type ChangeBus } from './account.ts';
import type { AccountRegistry } from './account-registry.ts';

export interface NodeHooksOptions extends NodeLoginOptions {
  registry: AccountRegistry;
  bus: ChangeBus;
  /** The account's quota limit in bytes (0: none), cached: APPEND asks on every message. */
  quotaLimit: (account: string) => Promise<number>;
}

export class NodeImapHooks implements ImapHooks {
  private readonly login: ClusterLogin;

  constructor(private readonly o: NodeHooksOptions) {
    this.login = new ClusterLogin({ ...o, protocol: 'IMAP' });
  }

  authenticate(user: string, password: string, client?: LoginClient): Promise<string | undefined> {
    return this.login.authenticate(user, password, client);
  }

  route(account: string): Promise<LoginRoute> {
    return this.login.route(account);
  }

  async openAccount(account: string): Promise<ImapAccount> {
    const { store, shared, release } = await this.o.registry.acquire(account);
    const unpin = this.o.holds.pin(account);
    return new SessionAccount(account, {
      store,
      shared,
      bus: this.o.bus,
      quotaLimitBytes: () => this.o.quotaLimit(account),
      onClose: () => {
        unpin();
        release();
      },
    });
  }
}
