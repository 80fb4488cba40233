/**
 * Controller election on the node's own lease, as etcd's concurrency.Election does it: each
 * candidate puts `election/controller/<lease>` bound to its lease; the lowest create revision
 * leads. Leadership is that key's create revision (`leaderRev`), and every controller write is
 * guarded by `createRevision(key) == leaderRev` (see `guard`), so a deposed leader that still
 * believes it leads cannot change anything.
 *
 * Events: `elected` when this node starts leading (after confirming with etcd that no older
 * candidate exists), `deposed` exactly once per term when it stops (key gone, fenced, resigned,
 * stopped). "Stopped leading" always fires before a new campaign starts.
 */
import { EventEmitter } from 'node:events';
import type { ComparatorBuilder, Etcd3, IKeyValue } from 'etcd3';
import type { Logger } from '../src/log/logger.ts';
import type { Keys } from '../src/cluster/keys.ts';
import type { NodeSession } from '../src/cluster/session.ts';
import type { ClusterView } from '../src/cluster/view.ts';
import { RpcError } from '../src/cluster/rpc/methods.ts';
import { backoffMs, sleep, systemClock, type Clock } from '../src/util/clock.ts';

/** One term: the election key (bound to `lease`), its create revision, and when it was won. */
export interface Leadership { key: string; leaderRev: string; lease: string; since: number }

/**
 * Starts a transaction that commits only while term `l` is the current leadership: its election
 * key still has the create revision it won with (etcd's `Mutex.IsOwner()`). Every controller
 * write begins here, so a deposed controller that still believes it leads changes nothing.
 */
export function guard(etcd: Etcd3, l: Leadership): ComparatorBuilder {
  return etcd.if(l.key, 'Create', '==', l.leaderRev);
}

/** Whether the election key as read back (a failed guarded transaction's else) is still term `l`. */
export function stillLeads(l: Leadership, electionKey: IKeyValue | undefined): boolean {
  return electionKey?.create_revision === l.leaderRev;
}

export interface CandidateEvents {
  elected: [Leadership];
  deposed: [{ reason: string; leadership: Leadership }];
}

export class Candidate extends EventEmitter<CandidateEvents> {
  private term: Leadership | undefined;
  private campaigning: { key: string; rev: string; lease: string } | undefined;
  private active = false;
  private epoch = 0;

  constructor(
    private readonly etcd: Etcd3,
    private readonly keys: Keys,
    private readonly session: NodeSession,
    private readonly view: ClusterView,
    private readonly nodeName: string,
    private readonly log: Logger,
    /** Dates each term (`since`); the system clock by default. */
    private readonly clock: Clock = systemClock,
  ) {
    super();
  }

  /** The current term, if this node believes it leads. Writes must still use `guard()`. */
  get leadership(): Leadership | undefined { return this.term; }

  /** Campaigns now (if registered) and again after every re-registration, until stop(). */
  start(): void {
    this.active = true;
    this.session.on('registered', () => void this.campaign());
    this.session.on('fenced', () => this.depose('fenced'));
    this.view.on('changed', () => this.evaluate());
    if (this.session.state === 'live') void this.campaign();
  }

  async stop(): Promise<void> {
    this.active = false;
    this.epoch++;
    this.depose('stopped');
    const c = this.campaigning;
    this.campaigning = undefined;
    if (c) await this.etcd.delete().key(c.key).exec().catch(() => undefined);
  }

  /**
   * Resigns leadership: deletes the candidacy key, then queues again behind the other candidates.
   * False if this node was not leading; rejects (ETCD_UNAVAILABLE) when etcd did not confirm the
   * delete, in which case the key may still lead and this node campaigns again on it.
   */
  async resign(): Promise<boolean> {
    const l = this.term;
    if (!l) return false;
    this.depose('resigned');
    const c = this.campaigning;
    this.campaigning = undefined;
    // Give another candidate the chance to take over before we queue again (or, if the delete
    // below failed, find our key still there and lead again).
    setTimeout(() => void this.campaign(), 200).unref();
    if (c) {
      await this.etcd.if(c.key, 'Create', '==', c.rev).then(this.etcd.delete().key(c.key)).commit().catch((err: unknown) => {
        this.log.warn({ err }, 'resign failed');
        throw new RpcError('ETCD_UNAVAILABLE', 'etcd did not confirm the resignation', true);
      });
    }
    return true;
  }

  private async campaign(): Promise<void> {
    const epoch = ++this.epoch;
    for (let attempt = 0; this.active && epoch === this.epoch; attempt++) {
      const lease = this.session.lease;
      if (this.session.state !== 'live' || !lease) return;
      const key = this.keys.candidate(lease);
      try {
        const res = await this.etcd
          .if(key, 'Create', '==', 0)
          .then(this.etcd.put(key).value(JSON.stringify({ node: this.nodeName })).lease(lease))
          .else(this.etcd.get(key))
          .commit();
        const rev = res.succeeded ? res.header.revision : res.responses[0]?.response_range?.kvs[0]?.create_revision;
        if (!rev) throw new Error('candidacy key vanished');
        if (epoch !== this.epoch) return;
        this.campaigning = { key, rev, lease };
        this.log.info({ leaderRev: rev }, 'campaigning for controller');
        this.evaluate();
        return;
      } catch (err) {
        this.log.warn({ err, attempt }, 'campaign failed');
        await sleep(backoffMs(attempt, 100, 2000));
      }
    }
  }

  /** Checks the view; confirms a possible win against etcd before declaring it. */
  private evaluate(): void {
    const c = this.campaigning;
    if (this.term) {
      // Our key disappeared (lease expired or someone deleted it): we no longer lead. A view that
      // has not yet caught up with the revision the term was won at (its watch lags the read that
      // confirmed the win) cannot have seen the key, so its absence there proves nothing.
      const seen = this.view.loaded && BigInt(this.view.revision) >= BigInt(this.term.leaderRev);
      if (seen && !this.view.candidates.has(this.term.key)) this.depose('candidacy key gone');
      return;
    }
    if (!c || this.session.state !== 'live') return;
    const leader = this.view.controller();
    if (leader && leader.key !== c.key) return;
    const epoch = this.epoch;
    void this.confirm(c, epoch);
  }

  private confirming = false;

  private async confirm(c: { key: string; rev: string; lease: string }, epoch: number): Promise<void> {
    if (this.confirming) return;
    this.confirming = true;
    try {
      // Not a count with maxCreateRevision: etcd counts before applying revision filters.
      const all = await this.etcd.getAll().prefix(this.keys.electionPrefix).exec();
      const older = all.kvs.filter((kv) => BigInt(kv.create_revision) < BigInt(c.rev)).length;
      const stillMine = all.kvs.some((kv) => kv.key.toString() === c.key && kv.create_revision === c.rev);
      if (older === 0 && stillMine && epoch === this.epoch && this.campaigning === c && !this.term && this.session.isServing()) {
        this.term = { key: c.key, leaderRev: c.rev, lease: c.lease, since: this.clock.now() };
        this.log.info({ leaderRev: c.rev }, 'elected controller');
        this.emit('elected', this.term);
      }
    } catch (err) {
      this.log.warn({ err }, 'leadership check failed');
      setTimeout(() => this.evaluate(), 200).unref();
    } finally {
      this.confirming = false;
    }
  }

  private depose(reason: string): void {
    const l = this.term;
    if (reason === 'fenced') this.campaigning = undefined;
    if (!l) return;
    this.term = undefined;
    this.log.warn({ reason, leaderRev: l.leaderRev }, 'stopped leading');
    this.emit('deposed', { reason, leadership: l });
  }
}
