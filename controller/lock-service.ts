/**
 * The lock service: answers open / release on the elected controller. Every write is one etcd
 * transaction guarded by this controller's leadership (election.ts `guard`) — a deposed controller
 * that still believes it leads gets NOT_LEADER from etcd itself, never a visible grant.
 *
 * open: If [leader, open/A absent, holder's node key is the registration we saw]
 *       Then put open/A bound to the holder's lease. Else read all three to explain.
 * The fencing token is the create revision of open/A.
 */
import type { Etcd3 } from 'etcd3';
import type { Logger } from '../src/log/logger.ts';
import { systemClock, type Clock } from '../src/util/clock.ts';
import type { Keys } from '../src/cluster/keys.ts';
import type { ClusterView } from '../src/cluster/view.ts';
import { RpcError, type GrantReply } from '../src/cluster/rpc/methods.ts';
import { openValueSchema, parseJson, type OpenValue } from '../src/cluster/values.ts';
import { guard, stillLeads, type Candidate, type Leadership } from './election.ts';
import { decideOpen, decideRelease, type NodeInfo } from './lock-table.ts';

export interface LockServiceOptions {
  etcd: Etcd3;
  keys: Keys;
  view: ClusterView;
  candidate: Candidate;
  log: Logger;
  nodeName: string;
  maxAccountsPerNode: number;
  /** Dates each grant (`since`); the system clock by default. */
  clock?: Clock;
  /** Called with the grant latency of each successful new grant (ms). */
  onGrant?: (ms: number) => void;
}

const notLeader = (): RpcError => new RpcError('NOT_LEADER', 'this node is not the controller', true);

export class LockService {
  /** Accounts being moved: opens for them wait for the move and then see its grant. */
  private readonly reserved = new Map<string, Promise<unknown>>();

  constructor(private readonly o: LockServiceOptions) {}

  /** Runs `work` with `account` reserved: concurrent open() calls for it wait until it settles. */
  async reserve<T>(account: string, work: () => Promise<T>): Promise<T> {
    while (this.reserved.has(account)) await this.reserved.get(account)!.catch(() => undefined);
    const p = work();
    this.reserved.set(account, p);
    try {
      return await p;
    } finally {
      this.reserved.delete(account);
    }
  }

  /** The nodes as placement sees them, from the controller's watch of etcd. */
  nodeInfos(): NodeInfo[] {
    const load = new Map<string, number>();
    for (const g of this.o.view.grants.values()) load.set(g.holder, (load.get(g.holder) ?? 0) + 1);
    return [...this.o.view.nodes.values()].map((n) => ({
      name: n.value.name,
      role: n.value.role,
      draining: this.o.view.drains.has(n.value.name),
      load: load.get(n.value.name) ?? 0,
    }));
  }

  async open(account: string, requester: string): Promise<GrantReply> {
    while (this.reserved.has(account)) await this.reserved.get(account)!.catch(() => undefined);
    return this.grant(account, requester);
  }

  /** open() without waiting for a reservation (the move that holds it calls this). */
  async grant(account: string, requester: string): Promise<GrantReply> {
    const started = performance.now();
    const l = this.o.candidate.leadership;
    if (!l) throw notLeader();
    const { etcd, keys, view } = this.o;
    const cached = view.grant(account);
    const decision = decideOpen({
      requester,
      current: cached && { holder: cached.holder, token: cached.token },
      nodes: this.nodeInfos(),
      maxAccountsPerNode: this.o.maxAccountsPerNode,
    });
    if (decision.kind === 'existing') return { account, holder: decision.holder, token: decision.token };
    if (decision.kind === 'refuse') throw new RpcError(decision.code, 'no node can hold the account now', decision.retryable);
    const holder = view.nodes.get(decision.holder);
    if (!holder) throw new RpcError('HOLDER_GONE', 'chosen holder vanished', true);
    const value: OpenValue = { holder: decision.holder, since: (this.o.clock ?? systemClock).now(), controller: this.o.nodeName, leaderRev: l.leaderRev };
    const openKey = keys.open(account);
    const nodeKey = keys.node(decision.holder);
    let res;
    try {
      res = await guard(etcd, l)
        .and(openKey, 'Create', '==', 0)
        .and(nodeKey, 'Create', '==', holder.createRevision)
        .then(etcd.put(openKey).value(JSON.stringify(value)).lease(holder.lease))
        .else(etcd.get(openKey), etcd.get(l.key), etcd.get(nodeKey))
        .commit();
    } catch (err) {
      this.o.log.warn({ err, account }, 'grant transaction failed');
      throw new RpcError('ETCD_UNAVAILABLE', 'etcd did not commit the grant', true);
    }
    if (res.succeeded) {
      const ms = performance.now() - started;
      this.o.onGrant?.(ms);
      this.o.log.debug({ account, holder: decision.holder, token: res.header.revision, durationMs: ms }, 'granted');
      return { account, holder: decision.holder, token: res.header.revision };
    }
    const [openRange, leaderRange] = res.responses.map((r) => r.response_range?.kvs[0]);
    if (openRange) {
      const current = parseJson(openValueSchema, openRange.value);
      if (current) return { account, holder: current.holder, token: openRange.create_revision };
    }
    if (!stillLeads(l, leaderRange)) throw notLeader();
    throw new RpcError('HOLDER_GONE', 'holder re-registered; retry', true);
  }

  /**
   * Deletes the grant of `account` if its token is `token`, guarded by `term` (a leader-scoped
   * reconciler passes the term it runs in, so it can never release under a later term) or, by
   * default, the current one.
   */
  async release(account: string, token: string, term?: Leadership): Promise<{ released: boolean }> {
    const l = term ?? this.o.candidate.leadership;
    if (!l) throw notLeader();
    const openKey = this.o.keys.open(account);
    const { etcd } = this.o;
    const res = await guard(etcd, l)
      .and(openKey, 'Create', '==', token)
      .then(etcd.delete().key(openKey))
      .else(etcd.get(openKey), etcd.get(l.key))
      .commit()
      .catch(() => {
        throw new RpcError('ETCD_UNAVAILABLE', 'etcd did not commit the release', true);
      });
    if (res.succeeded) return { released: true };
    const [openRange, leaderRange] = res.responses.map((r) => r.response_range?.kvs[0]);
    if (!stillLeads(l, leaderRange)) throw notLeader();
    const decision = decideRelease(openRange && { holder: '', token: openRange.create_revision }, token);
    if (decision.kind === 'stale-token') throw new RpcError('STALE_TOKEN', `account was re-granted (token ${decision.current})`, false);
    return { released: false };
  }
}
