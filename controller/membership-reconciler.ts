/**
 * Membership (design §8): the controller keeps a permanent `members/<node>` record for every node
 * that ever registered, marked `up` while the node's lease-bound key exists and `down` once it is
 * gone, and writes the node-joined / node-left event in the same leader-guarded transaction as the
 * change. So each join and leave is reported exactly once, even across controller failovers (a
 * new controller finds the dead controller still `up` and reports it left), and `status` can show
 * nodes whose lease is gone as unreachable.
 * Reconcile, don't react: each pass compares live nodes with members and converges.
 */
import type { Etcd3 } from 'etcd3';
import { z } from 'zod';
import type { Logger } from '../src/log/logger.ts';
import type { Keys } from '../src/cluster/keys.ts';
import type { ClusterView } from '../src/cluster/view.ts';
import { newEventRecord } from '../src/cluster/events.ts';
import { parseJson } from '../src/cluster/values.ts';
import { guard, type Candidate } from './election.ts';

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
  candidate: Candidate;
  nodeName: string;
  log: Logger;
  intervalMs?: number;
}

export class MembershipReconciler {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly o: MembershipOptions) {}

  start(): void {
    const kick = (): void => void this.pass();
    this.o.candidate.on('elected', kick);
    // node keys are rewritten every few seconds with fresh figures: react only to joins and leaves
    let live = '';
    this.o.view.on('node', () => {
      const now = [...this.o.view.nodes.keys()].sort().join(',');
      if (now !== live) kick();
      live = now;
    });
    this.timer = setInterval(kick, this.o.intervalMs ?? 2000);
    this.timer.unref();
  }

  stop(): void { clearInterval(this.timer); }

  async pass(): Promise<void> {
    if (this.running || !this.o.candidate.leadership) return;
    this.running = true;
    try {
      const { etcd, keys, view } = this.o;
      const r = await etcd.getAll().prefix(keys.membersPrefix).exec();
      const members = new Map<string, { value: MemberValue; modRevision: string }>();
      for (const kv of r.kvs) {
        const v = parseJson(memberValueSchema, kv.value);
        if (v) members.set(v.name, { value: v, modRevision: kv.mod_revision });
      }
      for (const [name, entry] of view.nodes) {
        const m = members.get(name);
        if (m?.value.state === 'up') continue;
        const { address, role, version } = entry.value;
        await this.change({ name, address, role, version, state: 'up', since: Date.now() }, m?.modRevision ?? '0', 'node-joined', `${name} joined (${role}, ${address})`);
      }
      for (const [name, m] of members) {
        if (m.value.state === 'down' || view.nodes.has(name)) continue;
        await this.change({ ...m.value, state: 'down', since: Date.now() }, m.modRevision, 'node-left', `${name} left: its lease is gone`);
      }
    } catch (err) {
      this.o.log.warn({ err }, 'membership reconcile failed');
    } finally {
      this.running = false;
    }
  }

  /** One guarded transaction: the member record changes and its event is written, or neither. */
  private async change(value: MemberValue, seenModRevision: string, type: 'node-joined' | 'node-left', message: string): Promise<void> {
    const l = this.o.candidate.leadership;
    if (!l) return;
    const { etcd, keys } = this.o;
    const key = keys.member(value.name);
    const event = newEventRecord({ type, node: value.name, message }, this.o.nodeName);
    const txn = guard(etcd, l);
    const res = await (seenModRevision === '0' ? txn.and(key, 'Create', '==', 0) : txn.and(key, 'Mod', '==', seenModRevision))
      .then(etcd.put(key).value(JSON.stringify(value)), etcd.put(keys.event(event.id)).value(JSON.stringify(event)))
      .commit();
    if (res.succeeded) this.o.log.info({ node: value.name, state: value.state }, 'membership changed');
  }
}
