/**
 * Queue takeover (design §6, §7): while this node leads, every spool directory under
 * `<root>/queue/` whose node is not registered and that still holds messages is assigned to a
 * live node, which drains it. Reconcile, don't react: each pass reads the spool directories and the
 * view, and converges; running it twice changes nothing.
 *
 * The assignment `queues/<dead>` is written in one transaction guarded by leadership, by the dead
 * node's key being absent and by the owner's registration, and is bound to the owner's lease: if
 * the owner dies too, the assignment vanishes and the next pass assigns the spool again.
 * It runs in the leader scope (leader-scope.ts): `run` for one term, every write guarded by it.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import type { Logger } from '../src/log/logger.ts';
import type { Keys } from '../src/cluster/keys.ts';
import type { ClusterView, ViewEvents } from '../src/cluster/view.ts';
import type { QueueValue } from '../src/cluster/values.ts';
import type { EventLog } from '../src/cluster/events.ts';
import { systemClock, type Clock } from '../src/util/clock.ts';
import { guard, type Leadership } from './election.ts';
import { reconcileUntilAborted, Wake } from './leader-scope.ts';
import type { LockService } from './lock-service.ts';
import { place } from './lock-table.ts';

export interface QueueReconcilerOptions {
  etcd: Etcd3;
  keys: Keys;
  view: ClusterView;
  locks: LockService;
  root: string;
  nodeName: string;
  log: Logger;
  intervalMs: number;
  events?: EventLog;
  /** Dates each assignment (`since`); the system clock by default. */
  clock?: Clock;
}

export class QueueReconciler {
  private readonly clock: Clock;

  constructor(private readonly o: QueueReconcilerOptions) {
    this.clock = o.clock ?? systemClock;
  }

  /** Reconciles for term `term` until `signal` aborts: at once, when a node leaves, and every interval. */
  async run(term: Leadership, signal: AbortSignal): Promise<void> {
    const wake = new Wake();
    const onNode = ({ entry }: ViewEvents['node'][0]): void => {
      if (!entry) wake.kick();
    };
    this.o.view.on('node', onNode);
    try {
      await reconcileUntilAborted({ signal, intervalMs: this.o.intervalMs, pass: () => this.pass(term, signal), wake, log: this.o.log, what: 'queue reconcile' });
    } finally {
      this.o.view.off('node', onNode);
    }
  }

  /** One reconcile pass for `term`; its assignments commit only while `term` leads. */
  async pass(term: Leadership, signal?: AbortSignal): Promise<void> {
    for (const dead of await this.orphanSpools()) {
      if (signal?.aborted) return;
      const owner = place('', this.o.locks.nodeInfos(), 0);
      const ownerEntry = owner ? this.o.view.nodes.get(owner) : undefined;
      if (!owner || !ownerEntry) break;
      const { etcd, keys } = this.o;
      const value: QueueValue = { owner, since: this.clock.now(), controller: this.o.nodeName };
      const r = await guard(etcd, term)
        .and(keys.node(dead), 'Create', '==', 0)
        .and(keys.queue(dead), 'Create', '==', 0)
        .and(keys.node(owner), 'Create', '==', ownerEntry.createRevision)
        .then(etcd.put(keys.queue(dead)).value(JSON.stringify(value)).lease(ownerEntry.lease))
        .commit();
      if (r.succeeded) {
        this.o.log.info({ spoolOf: dead, holder: owner }, 'queue assigned');
        void this.o.events?.append({ type: 'queue-taken-over', node: owner, from: dead, to: owner, message: `${owner} took over the queue of ${dead}` }).catch(() => undefined);
      } else {
        // no longer leading, or the spool, its node or the owner changed: the next pass re-reads
        this.o.log.debug({ spoolOf: dead, holder: owner }, 'queue assignment refused');
      }
    }
  }

  /** Spool directories of unregistered nodes that hold messages and nobody is draining. */
  private async orphanSpools(): Promise<string[]> {
    const base = join(this.o.root, 'queue');
    const out: string[] = [];
    for (const name of await readdir(base).catch(() => [] as string[])) {
      if (this.o.view.nodes.has(name) || this.o.view.queues.has(name)) continue;
      const envs = await readdir(join(base, name, 'env')).catch(() => [] as string[]);
      if (envs.some((f) => f.endsWith('.json'))) out.push(name);
    }
    return out;
  }
}
