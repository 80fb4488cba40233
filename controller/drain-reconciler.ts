/**
 * Drain (design §4.7, §8): while this node leads, every account held by a node with a `drain/<node>`
 * flag is moved away: the controller asks the holder to close it (`closeAccount` RPC; the holder
 * stops serving before it answers), then deletes the grant with the leader-guarded release. The
 * next operation on the account opens it on another node (placement never picks a draining node).
 * A holder that cannot be reached keeps its grants until it answers or its lease ends.
 * Reconcile, don't react: each pass reads the view and converges; running it twice is harmless.
 */
import type { Logger } from '../src/log/logger.ts';
import type { ClusterView } from '../src/cluster/view.ts';
import type { EventLog } from '../src/cluster/events.ts';
import type { Candidate } from './election.ts';
import type { AccountMover } from './account-mover.ts';

export interface DrainReconcilerOptions {
  view: ClusterView;
  candidate: Candidate;
  mover: AccountMover;
  events?: EventLog;
  log: Logger;
  intervalMs?: number;
}

export class DrainReconciler {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** Draining nodes already reported as empty (one node-drained event per drain). */
  private readonly drained = new Set<string>();

  constructor(private readonly o: DrainReconcilerOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.pass(), this.o.intervalMs ?? 500);
    this.timer.unref();
  }

  stop(): void { clearInterval(this.timer); }

  private announceDrained(): void {
    const holders = new Set([...this.o.view.grants.values()].map((g) => g.holder));
    for (const node of this.o.view.drains) {
      if (holders.has(node) || this.drained.has(node)) continue;
      this.drained.add(node);
      void this.o.events?.append({ type: 'node-drained', node, message: `${node} drained: it holds no accounts` }).catch(() => undefined);
    }
    for (const node of this.drained) if (!this.o.view.drains.has(node)) this.drained.delete(node);
  }

  async pass(): Promise<void> {
    if (this.o.view.drains.size === 0) this.drained.clear();
    if (this.running || !this.o.candidate.leadership || this.o.view.drains.size === 0) return;
    this.running = true;
    try {
      const moving = [...this.o.view.grants.values()].filter((g) => this.o.view.drains.has(g.holder));
      for (const g of moving.slice(0, 64)) {
        if (!this.o.view.nodes.has(g.holder)) continue;
        try {
          await this.o.mover.closeAndRelease(g, 'node draining');
          this.o.log.info({ account: g.account, holder: g.holder, token: g.token }, 'account moved off draining node');
        } catch (err) {
          this.o.log.warn({ err, account: g.account, holder: g.holder }, 'drain step failed, will retry');
        }
      }
      this.announceDrained();
    } finally {
      this.running = false;
    }
  }
}
