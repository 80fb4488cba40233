/**
 * Everything a node runs to be (and campaign to be) the Cluster Controller, in one place: the
 * candidacy, the lock service, the account mover and the reconcilers (queues, drains,
 * membership). Frontend nodes construct none of it. The reconcilers run in the leader scope
 * (leader-scope.ts): started with each won term, aborted when it ends, each writing only under
 * its own term; the lock service guards each request by the term current when it arrives. This
 * class only wires them and reports controller changes to the event log.
 */
import type { Etcd3 } from 'etcd3';
import type { Logger } from '../src/log/logger.ts';
import type { Keys } from '../src/cluster/keys.ts';
import type { NodeSession } from '../src/cluster/session.ts';
import type { ClusterView } from '../src/cluster/view.ts';
import type { RpcClient } from '../src/cluster/rpc/client.ts';
import type { EventLog } from '../src/cluster/events.ts';
import { Candidate } from './election.ts';
import { LockService } from './lock-service.ts';
import { QueueReconciler } from './queue-reconciler.ts';
import { DrainReconciler } from './drain-reconciler.ts';
import { MembershipReconciler } from './membership-reconciler.ts';
import { AccountMover } from './account-mover.ts';
import { LossClock } from './loss-clock.ts';
import { LeaderScope } from './leader-scope.ts';
import { systemClock, type Clock } from '../src/util/clock.ts';

export interface ControllerRoleOptions {
  etcd: Etcd3;
  keys: Keys;
  session: NodeSession;
  view: ClusterView;
  rpc: RpcClient;
  events: EventLog;
  nodeName: string;
  storageRoot: string;
  rpcTimeoutMs: number;
  /** Lease TTL: a killed controller's key outlives its last keep-alive by this much (LossClock). */
  leaseTtlMs: number;
  log: Logger;
  onGrant: (ms: number) => void;
  /** Called when this node becomes controller, with the gap since the last one was lost (ms), if seen. */
  onElected: (gapMs: number | undefined) => void;
  /** Every time that decides something here (terms, grants, records, the failover gap); the system clock by default. */
  clock?: Clock;
}

export class ControllerRole {
  readonly candidate: Candidate;
  readonly locks: LockService;
  readonly mover: AccountMover;
  /** The leader-only loops: queues, drains, membership. */
  readonly scope: LeaderScope;
  private lostAt: number | undefined;
  private readonly lossClock: LossClock;
  private readonly clock: Clock;

  constructor(private readonly o: ControllerRoleOptions) {
    const { etcd, keys, view, log, nodeName, events } = o;
    const clock = (this.clock = o.clock ?? systemClock);
    this.candidate = new Candidate(etcd, keys, o.session, view, nodeName, log.child({ component: 'election' }), clock);
    this.locks = new LockService({ etcd, keys, view, candidate: this.candidate, log: log.child({ component: 'locks' }), nodeName, maxAccountsPerNode: 0, onGrant: o.onGrant, clock });
    this.mover = new AccountMover({ view, locks: this.locks, rpc: o.rpc, events, log: log.child({ component: 'mover' }), rpcTimeoutMs: o.rpcTimeoutMs });
    const queues = new QueueReconciler({ etcd, keys, view, locks: this.locks, root: o.storageRoot, nodeName, log: log.child({ component: 'queue-reconciler' }), intervalMs: 2000, events, clock });
    const drains = new DrainReconciler({ view, mover: this.mover, events, log: log.child({ component: 'drain' }) });
    const membership = new MembershipReconciler({ etcd, keys, view, nodeName, log: log.child({ component: 'membership' }), clock });
    this.scope = new LeaderScope(this.candidate, log.child({ component: 'leader-scope' }));
    this.scope.register('queues', (term, signal) => queues.run(term, signal));
    this.scope.register('drains', (term, signal) => drains.run(term, signal));
    this.scope.register('membership', (term, signal) => membership.run(term, signal));
    this.lossClock = new LossClock(o.leaseTtlMs, () => clock.now());
    o.session.on('contact', ({ at }) => this.lossClock.contact(at));
    o.session.on('fenced', () => this.lossClock.fenced([...view.candidates.values()].map((c) => c.key)));
    o.session.on('registered', () => this.lossClock.registered());
    view.on('controller', () => this.controllerChanged());
    this.candidate.on('elected', () => this.reportElected());
  }

  get leading(): boolean { return this.candidate.leadership !== undefined; }

  start(): void {
    this.scope.start();
    this.candidate.start();
  }

  async stop(): Promise<void> {
    await this.candidate.stop(); // deposes: the scope aborts the reconcilers
    await this.scope.stop();
  }

  /** Planned failover: resigns and records it. Resolves to whether this node was leading. */
  async stepDown(): Promise<boolean> {
    const resigned = await this.candidate.resign();
    if (resigned) {
      await this.o.events.append({ type: 'controller-stepped-down', node: this.o.nodeName, message: `${this.o.nodeName} stepped down as controller` }).catch(() => undefined);
    }
    return resigned;
  }

  /**
   * Dates the loss of the previous controller from what this node observed (LossClock). Only
   * the next controller reports it: when another node is next in line, the loss is theirs.
   */
  private controllerChanged(): void {
    const next = this.o.view.controller();
    const loss = this.lossClock.changed(next && { node: next.node, key: next.key, lease: next.lease }, (n) => this.o.view.nodes.get(n)?.lease);
    if (loss) this.o.log.debug({ previous: loss.node, lostAt: loss.lostAt, next: next?.node }, 'controller loss dated');
    if (next !== undefined && next.node !== this.o.nodeName) {
      this.lostAt = this.lostController = undefined;
      return;
    }
    if (!loss || this.lostAt !== undefined) return;
    this.lostAt = loss.lostAt;
    this.lostController = loss.node;
  }

  private lostController: string | undefined;

  private reportElected(): void {
    const now = this.clock.now();
    const previous = this.lostController;
    this.lostController = undefined;
    const lostAt = this.lostAt;
    const gapMs = lostAt !== undefined ? now - lostAt : undefined;
    this.o.onElected(gapMs);
    this.o.log.info({ previous, gapMs }, 'controller change recorded');
    const events = this.o.events;
    const append = async (): Promise<void> => {
      if (previous && lostAt !== undefined) {
        await events.append({ type: 'controller-lost', node: previous, at: lostAt, message: `controller ${previous} lost` });
      }
      const gap = gapMs !== undefined ? ` after a ${(gapMs / 1000).toFixed(1)} s gap` : '';
      await events.append({ type: 'controller-elected', node: this.o.nodeName, gapMs, ...(previous ? { from: previous } : {}), message: `${this.o.nodeName} became controller${gap}` });
    };
    this.lostAt = undefined;
    void append().catch((err: unknown) => this.o.log.warn({ err }, 'event not recorded'));
  }
}
