/**
 * The POP3 hooks of a cluster node: authentication and routing are a ClusterLogin for POP3 (POP3
 * peer tokens, the holder's pop3 port for proxying, waiting through a controller failover rather
 * than refusing); a maildrop served here uses the node's shared store of the account (the one
 * IMAP uses: one store per account per process), pins the account open while the session lasts,
 * and tells the account's IMAP sessions what QUIT changed.
 */
import type { LoginClient } from '../../src/protocol/login-client.ts';
import type { Pop3Hooks, Pop3Maildrop, Pop3Route } from '../../src/protocol/pop3/hooks.ts';
import { ClusterLogin, type NodeLoginOptions } from '../routing/login.ts';
import type { AccountRegistry } from '../imap/account-registry.ts';
import type { ChangeBus } from '../imap/account.ts';
import { openMaildrop, WireSizes } from './maildrop.ts';

export interface NodePop3HooksOptions extends NodeLoginOptions {
  registry: AccountRegistry;
  bus: ChangeBus;
}

export class NodePop3Hooks implements Pop3Hooks {
  private readonly login: ClusterLogin;
  private readonly sizes = new WireSizes();

  constructor(private readonly o: NodePop3HooksOptions) {
    this.login = new ClusterLogin({ ...o, protocol: 'POP3' });
  }

  authenticate(user: string, password: string, client?: LoginClient): Promise<string | undefined> {
    return this.login.authenticate(user, password, client);
  }

  route(account: string): Promise<Pop3Route> {
    return this.login.route(account);
  }

  async openMaildrop(account: string): Promise<Pop3Maildrop> {
    const { store, release } = await this.o.registry.acquire(account);
    const unpin = this.o.holds.pin(account);
    return openMaildrop(account, {
      store,
      sizes: this.sizes,
      changed: (change) => this.o.bus.notify(account, change),
      onClose: () => {
        unpin();
        release();
      },
    });
  }
}
