/**
 * Membership (design §8): the controller keeps a permanent `members/<node>` record for every node
 * that ever registered, marked `up` while the node's lease-bound key exists and `down` once it is
 * gone, and writes the node-joined / node-left event in the same leader-guarded transaction as the
 * change. So each join and leave is reported exactly once, even across controller failovers (a
 * new controller finds the dead controller still `up` and reports it left), and `status` can show
 * nodes whose lease is gone as unreachable.
 * Reconcile, don't react: each pass compares live nodes with members and converges. It runs in the
 * leader scope (leader-scope.ts): `run` for one term, every write guarded by that term.
 */
import type { Etcd3 } from 'etcd3';
import { z } from 'zod';
import type { Logger } from '../src/log/logger.ts';
import type { Keys } from '../src/cluster/keys.ts';
import type { ClusterView } from '../src/cluster/view.ts';
import { newEventRecord } from '../src/cluster/events.ts';
import { parseJson } from '../src/cluster/values.ts';
import { systemClock, type Clock } from '../src/util/clock.ts';
import { guard, type Leadership } from './election.ts';
import { reconcileUntilAborted, Wake } from './leader-scope.ts';

export const memberValueSchema = z.object({
  name: z.string(),
  address: z.string(),
  role: z.string(),
  version: z.string(),
  state: z.enum(['up', 'down']),
  /** When the state last changed (ms). */
  since: z.number(),
});
export type MemberValue = z.infer<typeof memberValueSchema>;

export interface MembershipOptions {
  etcd: Etcd3;
  keys: Keys;
  view: ClusterView;
  nodeName: string;
  log: Logger;
  intervalMs?: number;
  /** Dates each state change (`since`) and its event; the system clock by default. */
  clock?: Clock;
}

export class MembershipReconciler {
  private readonly clock: Clock;

  constructor(private readonly o: MembershipOptions) {
    this.clock = o.clock ?? systemClock;
  }

  /** Reconciles for term `term` until `signal` aborts: at once, on every join or leave, and every interval. */
  async run(term: Leadership, signal: AbortSignal): Promise<void> {
    const wake = new Wake();
    // node keys are rewritten every few seconds with fresh figures: react only to joins and leaves
    let live = this.liveNames();
    const onNode = (): void => {
      const now = this.liveNames();
      if (now !== live) wake.kick();
      live = now;
    };
    this.o.view.on('node', onNode);
    try {
      await reconcileUntilAborted({ signal, intervalMs: this.o.intervalMs ?? 2000, pass: () => this.pass(term, signal), wake, log: this.o.log, what: 'membership reconcile' });
    } finally {
      this.o.view.off('node', onNode);
    }
  }

  private liveNames(): string { return [...this.o.view.nodes.keys()].sort().join(','); }

  /** One pass for `term`; its writes commit only while `term` leads. */
  async pass(term: Leadership, signal?: AbortSignal): Promise<void> {
    const { etcd, keys, view } = this.o;
    const r = await etcd.getAll().prefix(keys.membersPrefix).exec();
    const members = new Map<string, { value: MemberValue; modRevision: string }>();
    for (const kv of r.kvs) {
      const v = parseJson(memberValueSchema, kv.value);
      if (v) members.set(v.name, { value: v, modRevision: kv.mod_revision });
    }
    for (const [name, entry] of view.nodes) {
      if (signal?.aborted) return;
      const m = members.get(name);
      if (m?.value.state === 'up') continue;
      const { address, role, version } = entry.value;
      await this.change(term, { name, address, role, version, state: 'up', since: this.clock.now() }, m?.modRevision ?? '0', 'node-joined', `${name} joined (${role}, ${address})`);
    }
    for (const [name, m] of members) {
      if (signal?.aborted) return;
      if (m.value.state === 'down' || view.nodes.has(name)) continue;
      await this.change(term, { ...m.value, state: 'down', since: this.clock.now() }, m.modRevision, 'node-left', `${name} left: its lease is gone`);
    }
  }

  /** One guarded transaction: the member record changes and its event is written, or neither. */
  private async change(term: Leadership, value: MemberValue, seenModRevision: string, type: 'node-joined' | 'node-left', message: string): Promise<void> {
    const { etcd, keys } = this.o;
    const key = keys.member(value.name);
    const event = newEventRecord({ type, node: value.name, message, at: value.since }, this.o.nodeName, this.clock);
    const txn = guard(etcd, term);
    const res = await (seenModRevision === '0' ? txn.and(key, 'Create', '==', 0) : txn.and(key, 'Mod', '==', seenModRevision))
      .then(etcd.put(key).value(JSON.stringify(value)), etcd.put(keys.event(event.id)).value(JSON.stringify(event)))
      .commit();
    if (res.succeeded) this.o.log.info({ node: value.name, state: value.state }, 'membership changed');
  }
}
