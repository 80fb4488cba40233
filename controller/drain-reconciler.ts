/**
 * Drain (design §4.7, §8): while this node leads, every account held by a node with a `drain/<node>`
 * flag is moved away: the controller asks the holder to close it (`closeAccount` RPC; the holder
 * stops serving before it answers), then deletes the grant with the leader-guarded release. The
 * next operation on the account opens it on another node (placement never picks a draining node).
 * A holder that cannot be reached keeps its grants until it answers or its lease ends.
 * Reconcile, don't react: each pass reads the view and converges; running it twice is harmless.
 * It runs in the leader scope (leader-scope.ts): `run` for one term, every release guarded by it.
 */
import type { Logger } from '../src/log/logger.ts';
import type { ClusterView } from '../src/cluster/view.ts';
import type { EventLog } from '../src/cluster/events.ts';
import type { Leadership } from './election.ts';
import type { AccountMover } from './account-mover.ts';
import { reconcileUntilAborted } from './leader-scope.ts';

export interface DrainReconcilerOptions {
  view: ClusterView;
  mover: AccountMover;
  events?: EventLog;
  log: Logger;
  intervalMs?: number;
}

export class DrainReconciler {
  /** Draining nodes already reported as empty (one node-drained event per drain, across terms). */
  private readonly drained = new Set<string>();

  constructor(private readonly o: DrainReconcilerOptions) {}

  /** Reconciles for term `term` until `signal` aborts, every interval. */
  async run(term: Leadership, signal: AbortSignal): Promise<void> {
    await reconcileUntilAborted({ signal, intervalMs: this.o.intervalMs ?? 500, pass: () => this.pass(term, signal), log: this.o.log, what: 'drain reconcile' });
  }

  private announceDrained(): void {
    const holders = new Set([...this.o.view.grants.values()].map((g) => g.holder));
    for (const node of this.o.view.drains) {
      if (holders.has(node) || this.drained.has(node)) continue;
      this.drained.add(node);
      void this.o.events?.append({ type: 'node-drained', node, message: `${node} drained: it holds no accounts` }).catch(() => undefined);
    }
    for (const node of this.drained) if (!this.o.view.drains.has(node)) this.drained.delete(node);
  }

  /** One pass for `term`: its releases commit only while `term` leads; none start once `signal` aborts. */
  async pass(term: Leadership, signal?: AbortSignal): Promise<void> {
    if (this.o.view.drains.size === 0) this.drained.clear();
    if (this.o.view.drains.size === 0) return;
    const moving = [...this.o.view.grants.values()].filter((g) => this.o.view.drains.has(g.holder));
    for (const g of moving.slice(0, 64)) {
      if (signal?.aborted) return;
      if (!this.o.view.nodes.has(g.holder)) continue;
      try {
        await this.o.mover.closeAndRelease(g, 'node draining', term);
        this.o.log.info({ account: g.account, holder: g.holder, token: g.token }, 'account moved off draining node');
      } catch (err) {
        this.o.log.warn({ err, account: g.account, holder: g.holder }, 'drain step failed, will retry');
      }
    }
    this.announceDrained();
  }
}
