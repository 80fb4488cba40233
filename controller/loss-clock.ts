/**
 * Dates the loss of a controller from what this node observed, for the failover gap that
 * `controller-elected` events and the failover metric report (design §8, `watch`).
 *
 * The last proof of life of a controller candidacy is the last moment this node was in contact
 * with etcd (a keep-alive acknowledged) while that candidacy was still listed in its view:
 * - killed or paused: its key stays listed until its lease expires, a TTL after its last
 *   keep-alive, so the loss is the earlier of that contact and `now − TTL`;
 * - etcd unreachable: nobody is in contact, so the last contact before the outage dates it (not
 *   `now − TTL` after etcd returns, which made a 13 s gap read 5 s);
 * - resigned (its node key is still there, same lease): the loss is now.
 * Contacts after this node fenced itself do not count for the candidacies it knew before: those
 * keys may be dead nodes', kept by etcd's lease extension on restart. Such a ghost elected after
 * an outage and then gone was never a controller: its loss is the one before it, carried on (so
 * the gap runs from the real controller's last proof of life). Candidacies new to it count.
 *
 * Pure: the caller feeds it contacts, fences, registrations and controller changes.
 */
import { systemClock } from '../src/util/clock.ts';

export interface CandidacySeen { node: string; key: string; lease: string }

export interface ControllerLoss { node: string; lostAt: number }

export class LossClock {
  private current: CandidacySeen | undefined;
  private aliveAt: number | undefined;
  private live = true;
  /** Candidacies known when this node fenced itself: their contacts prove nothing any more. */
  private suspects = new Set<string>();
  private lastLoss: ControllerLoss | undefined;

  constructor(private readonly ttlMs: number, private readonly now: () => number = () => systemClock.now()) {}

  /** A keep-alive sent at `at` was acknowledged: etcd (and our view of it) was reachable then. */
  contact(at: number): void {
    if (!this.live || !this.current || this.suspects.has(this.current.key)) return;
    this.aliveAt = Math.max(this.aliveAt ?? at, at);
  }

  /** This node fenced itself; `known` are the candidacy keys in its view then. */
  fenced(known: string[]): void {
    this.live = false;
    this.suspects = new Set(known);
  }

  registered(): void { this.live = true; }

  /**
   * The elected candidacy changed to `next` (undefined: none). Returns the loss of the previous
   * one, if there was one. `nodeLease` gives the lease of a node's registration now, if any.
   */
  changed(next: CandidacySeen | undefined, nodeLease: (node: string) => string | undefined): ControllerLoss | undefined {
    const prev = this.current;
    const aliveAt = this.aliveAt;
    const now = this.now();
    if (prev?.key === next?.key) return undefined;
    this.current = next;
    this.aliveAt = undefined;
    if (!prev) return undefined;
    if (aliveAt === undefined && this.suspects.has(prev.key) && this.lastLoss) return this.lastLoss;
    const resigned = nodeLease(prev.node) === prev.lease;
    this.lastLoss = { node: prev.node, lostAt: resigned ? now : Math.min(aliveAt ?? now, now - this.ttlMs) };
    return this.lastLoss;
  }
}
