/**
 * Which spools this node works (design §6): its own, while it is registered and nobody else has
 * been assigned it; and the spools of dead nodes the controller assigned to it (queue takeover),
 * until they are empty. At most one runner works a spool at any time:
 * - on self-fencing every runner stops at once (the controller may reassign after the lease ends);
 * - the own spool restarts only after re-registration and once no assignment of it exists;
 * - an assignment is released (guarded delete) only after its runner has stopped on an empty spool.
 */
import { readdir } from 'node:fs/promises';
import type { Etcd3 } from 'etcd3';
import type { Logger } from '../../src/log/logger.ts';
import type { Keys } from '../../src/cluster/keys.ts';
import type { NodeSession } from '../../src/cluster/session.ts';
import type { ClusterView } from '../../src/cluster/view.ts';
import type { Envelope } from '../../src/queue/spool.ts';
import type { QueueRunner } from './queue-runner.ts';

export interface QueuesOptions {
  etcd: Etcd3;
  keys: Keys;
  view: ClusterView;
  session: NodeSession;
  nodeName: string;
  log: Logger;
  makeRunner: (spoolOf: string) => QueueRunner;
  checkIntervalMs: number;
}

export class QueueSupervisor {
  private own: QueueRunner | undefined;
  private readonly foreign = new Map<string, { runner: QueueRunner; rev: string }>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private startingOwn = false;

  constructor(private readonly o: QueuesOptions) {}

  start(): void {
    this.o.session.on('fenced', () => void this.stopAll('self-fenced'));
    this.o.view.on('changed', () => void this.reconcile());
    this.o.view.on('released', (g) => {
      const n = this.runners().reduce((sum, r) => sum + r.retryFor(g.account), 0);
      if (n) this.o.log.info({ account: g.account, count: n }, 'holder gone: queued mail retried now');
    });
    // a grant appearing (the holder registered again, the account opened elsewhere) ends a wait for it
    this.o.view.on('granted', (g) => {
      const n = this.runners().reduce((sum, r) => sum + r.retryFor(g.account), 0);
      if (n) this.o.log.info({ account: g.account, count: n }, 'holder granted: queued mail retried now');
    });
    // mail that waited only for the cluster goes out the moment it is back, not after a backoff
    const clusterBack = (why: string): void => {
      const n = this.runners().reduce((sum, r) => sum + r.clusterBack(), 0);
      if (n) this.o.log.info({ reason: why, count: n }, 'cluster back: queued mail retried now');
    };
    this.o.session.on('registered', () => clusterBack('registered'));
    this.o.view.on('controller', ({ node }) => {
      if (node !== undefined) clusterBack('controller elected');
    });
    this.timer = setInterval(() => void this.releaseDrained(), this.o.checkIntervalMs);
    this.timer.unref();
    void this.reconcile();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.stopAll('stopping');
  }

  /** Queues a freshly accepted message on the own runner (or leaves it for the runner's start). */
  enqueue(env: Envelope): void { this.own?.enqueue(env); }

  get depth(): number {
    return (this.own?.depth ?? 0) + [...this.foreign.values()].reduce((n, f) => n + f.runner.depth, 0);
  }

  /** When the oldest message in the spools this node works was received (ms), or undefined. */
  get oldestReceived(): number | undefined {
    const all = [this.own?.oldestReceived, ...[...this.foreign.values()].map((f) => f.runner.oldestReceived)].filter((t): t is number => t !== undefined);
    return all.length ? Math.min(...all) : undefined;
  }

  /** Retries every waiting message in every spool this node works; returns how many. */
  flush(): number {
    return this.runners().reduce((n, r) => n + r.flush(), 0);
  }

  private runners(): QueueRunner[] {
    return [...(this.own ? [this.own] : []), ...[...this.foreign.values()].map((f) => f.runner)];
  }

  private async stopAll(reason: string): Promise<void> {
    const runners = this.runners();
    this.own = undefined;
    this.foreign.clear();
    if (runners.length) this.o.log.warn({ reason, count: runners.length }, 'queue runners stopped');
    await Promise.allSettled(runners.map((r) => r.stop()));
  }

  private async reconcile(): Promise<void> {
    if (this.stopped || !this.o.session.isServing()) return;
    const me = this.o.nodeName;
    if (!this.own && !this.startingOwn && !this.o.view.queues.has(me)) {
      this.startingOwn = true;
      try {
        const runner = this.o.makeRunner(me);
        const n = await runner.start();
        if (this.stopped || !this.o.session.isServing()) await runner.stop();
        else {
          this.own = runner;
          if (n) this.o.log.info({ count: n }, 'own queue resumed');
        }
      } finally {
        this.startingOwn = false;
      }
    }
    for (const a of this.o.view.queues.values()) {
      if (a.owner !== me || a.lease !== this.o.session.lease || this.foreign.has(a.spoolOf)) continue;
      const runner = this.o.makeRunner(a.spoolOf);
      this.foreign.set(a.spoolOf, { runner, rev: a.createRevision });
      const n = await runner.start();
      this.o.log.info({ spoolOf: a.spoolOf, count: n }, 'queue taken over');
    }
    for (const [spoolOf, f] of this.foreign) {
      const a = this.o.view.queues.get(spoolOf);
      if (!a || a.createRevision !== f.rev) {
        this.foreign.delete(spoolOf);
        await f.runner.stop();
      }
    }
  }

  /**
   * Stops runners of taken-over spools that are empty and deletes their assignments; first each
   * runner adopts envelopes its spool's owner committed after the takeover (QueueRunner.adoptNew).
   */
  private async releaseDrained(): Promise<void> {
    for (const [spoolOf, f] of this.foreign) {
      // committed by the spool's owner after this takeover began (it accepts mail while cut off)
      const adopted = await f.runner.adoptNew();
      if (adopted) this.o.log.info({ spoolOf, count: adopted }, 'queue: envelopes written after the takeover adopted');
      if (f.runner.depth > 0) continue;
      const left = (await readdir(f.runner.spool.envDir).catch(() => [] as string[])).filter((x) => x.endsWith('.json'));
      if (left.length > 0) continue;
      this.foreign.delete(spoolOf);
      await f.runner.stop();
      const key = this.o.keys.queue(spoolOf);
      await this.o.etcd.if(key, 'Create', '==', f.rev).then(this.o.etcd.delete().key(key)).commit().catch(() => undefined);
      this.o.log.info({ spoolOf, count: f.runner.delivered }, 'queue drained');
    }
  }
}
