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
import type { RpcClient } from '../src/cluster/rpc/client.ts';
import type { Candidate } from './election.ts';
import type { LockService } from './lock-service.ts';

export interface DrainReconcilerOptions {
  view: ClusterView;
  candidate: Candidate;
  locks: LockService;
  rpc: RpcClient;
  log: Logger;
  rpcTimeoutMs: number;
  intervalMs?: number;
}

export class DrainReconciler {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly o: DrainReconcilerOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.pass(), this.o.intervalMs ?? 500);
    this.timer.unref();
  }

  stop(): void { clearInterval(this.timer); }

  async pass(): Promise<void> {
    if (this.running || !this.o.candidate.leadership || this.o.view.drains.size === 0) return;
    this.running = true;
    try {
      const moving = [...this.o.view.grants.values()].filter((g) => this.o.view.drains.has(g.holder));
      for (const g of moving.slice(0, 64)) {
        const holder = this.o.view.nodes.get(g.holder);
        const port = holder?.value.ports.rpc;
        if (!holder || !port) continue;
        try {
          await this.o.rpc.call({ host: holder.value.address, port }, 'closeAccount', { account: g.account, token: g.token, reason: 'node draining' }, this.o.rpcTimeoutMs);
          await this.o.locks.release(g.account, g.token);
          this.o.log.info({ account: g.account, holder: g.holder, token: g.token }, 'account moved off draining node');
        } catch (err) {
          this.o.log.warn({ err, account: g.account, holder: g.holder }, 'drain step failed, will retry');
        }
      }
    } finally {
      this.running = false;
    }
  }
}
