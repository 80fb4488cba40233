/**
 * Moving accounts between nodes (design §4.7): `move` for one account, used by the operator's
 * `mailcluster move` and by the drain reconciler for each account on a draining node.
 *
 * Steps, with the account reserved in the lock service so no open slips in between:
 *   1. the holder closes the account (`closeAccount` RPC: IMAP sessions get `* BYE`, deliveries
 *      pause) and answers only once it no longer touches it;
 *   2. the grant is deleted by the leader-guarded release;
 *   3. a new grant is made for the target (`to`) or, without one, by normal placement.
 * A holder that cannot be reached keeps its grant: the move fails and can be retried; the holder's
 * lease ending frees the account anyway. The new grant has a higher fencing token, so a holder
 * that ignored step 1 is refused by the store at its next commit.
 */
import type { Logger } from '../src/log/logger.ts';
import type { ClusterView, Grant } from '../src/cluster/view.ts';
import type { RpcClient } from '../src/cluster/rpc/client.ts';
import { RpcError, type GrantReply } from '../src/cluster/rpc/methods.ts';
import type { EventLog } from '../src/cluster/events.ts';
import type { LockService } from './lock-service.ts';
import type { Leadership } from './election.ts';
import { peerEndpoint } from '../src/cluster/trust/endpoints.ts';

export interface AccountMoverOptions {
  view: ClusterView;
  locks: LockService;
  rpc: RpcClient;
  events?: EventLog;
  log: Logger;
  rpcTimeoutMs: number;
}

export class AccountMover {
  constructor(private readonly o: AccountMoverOptions) {}

  /** Moves `account` to `to` (a node name) or, when `to` is undefined, wherever placement puts it. */
  async move(account: string, to: string | undefined, reason: string): Promise<GrantReply & { from?: string }> {
    const { view, locks } = this.o;
    if (to !== undefined) {
      const target = view.nodes.get(to);
      if (!target) throw new RpcError('NO_SUCH_NODE', `no live node named ${to}`, false);
      if (target.value.role === 'frontend') throw new RpcError('CANNOT_HOLD', `${to} is a frontend and never holds accounts`, false);
      if (view.drains.has(to)) throw new RpcError('CANNOT_HOLD', `${to} is draining`, false);
    }
    return locks.reserve(account, async () => {
      const current = view.grant(account);
      if (current && current.holder === to) return { account, holder: current.holder, token: current.token, from: current.holder };
      if (current) await this.closeAndRelease(current, reason);
      const grant = await locks.grant(account, to ?? '');
      if (current) {
        this.o.log.info({ account, from: current.holder, to: grant.holder, token: grant.token }, 'account moved');
        void this.o.events
          ?.append({ type: 'account-moved', account, from: current.holder, to: grant.holder, message: `${account} moved from ${current.holder} to ${grant.holder} (${reason})` })
          .catch(() => undefined);
      }
      return { ...grant, ...(current ? { from: current.holder } : {}) };
    });
  }

  /**
   * Steps 1–2 only: the account ends up closed and not open anywhere (drain uses this). The
   * release is guarded by `term` (a reconciler's own term) or else by the current one.
   */
  async closeAndRelease(g: Grant, reason: string, term?: Leadership): Promise<void> {
    const holder = peerEndpoint(this.o.view, g.holder, 'rpc');
    if (holder) {
      await this.o.rpc.call(holder, 'closeAccount', { account: g.account, token: g.token, reason }, this.o.rpcTimeoutMs);
    }
    await this.o.locks.release(g.account, g.token, term);
    // placement reads the view: let it see the grant gone before anything re-grants the account
    await this.o.view.waitFor(() => this.o.view.grant(g.account)?.token !== g.token, 5000).catch(() => undefined);
  }
}
