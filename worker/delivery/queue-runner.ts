/**
 * Works one spool: delivers each queued message through the Router, records per-recipient results
 * durably, retries temporary failures with exponential backoff until the lifetime runs out, and
 * hands permanent failures to `onFailed` (bounces) before removing the message.
 *
 * Contract: an envelope is processed by one attempt at a time; a recipient marked delivered is
 * never attempted again (state is fsynced before the next attempt). An attempt whose outcome may
 * be unknown — a later attempt, a message recovered at start, a spool taken over from a dead
 * node — is delivered as a retry, which the holder does not store twice (QueuedDelivery): a
 * node's death between the holder's 250 and the spool's record costs no duplicate.
 *
 * An attempt that failed only because the cluster was unavailable (every pending recipient's
 * outcome is `cluster`: etcd or the lock service unreachable, this node fenced) says nothing about
 * the message: it does not grow the backoff, it is retried at once by `clusterBack()` (the node
 * registered again, a controller was elected), and a runner started later (the node's own spool
 * resumes only once it serves again) retries it at once instead of waiting for its stored
 * `nextAttempt`. Without that signal it is retried every CLUSTER_RETRY_MS at most.
 */
import type { Logger } from '../../src/log/logger.ts';
import type { Envelope, Spool } from '../../src/queue/spool.ts';
import type { Router } from './router.ts';

export interface QueueRunnerOptions {
  spool: Spool;
  router: Router;
  log: Logger;
  retryBaseMs: number;
  retryMaxMs: number;
  lifetimeMs: number;
  /**
   * This runner took over another node's spool: any of its messages may have been stored by that
   * node's last attempt, so every delivery is a retry (not stored twice, QueuedDelivery).
   */
  takenOver?: boolean;
  /** Permanent failures of one message (called before it is removed from the spool). */
  onFailed?: (env: Envelope, failed: Envelope['recipients'], message: Buffer) => Promise<void>;
}

/** Upper bound on the wait after an attempt that failed only for the cluster (also ≤ retryBaseMs). */
export const CLUSTER_RETRY_MS = 5000;

export class QueueRunner {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inflight = new Map<string, Promise<void>>();
  /** Every message this runner has scheduled and not finished, by id. */
  private readonly envs = new Map<string, Envelope>();
  /** Waiting messages (timer set, not in flight) by pending recipient, for retryFor. */
  private readonly waitingFor = new Map<string, Set<string>>();
  /** Messages in flight when a recipient's grant went away (retryFor): retried at once if deferred. */
  private readonly releasedInFlight = new Set<string>();
  /** Messages in flight when the cluster came back (clusterBack): retried at once if that attempt failed for the cluster. */
  private readonly clusterBackInFlight = new Set<string>();
  /** Messages found in the spool at start: the run before may have been delivering them. */
  private readonly recovered = new Set<string>();
  /** Ids this runner finished, kept on a taken-over spool only (adoptNew must not bring them back). */
  private readonly finished = new Set<string>();
  private stopped = false;
  delivered = 0;

  constructor(private readonly o: QueueRunnerOptions) {}

  get spool(): Spool { return this.o.spool; }
  get depth(): number { return this.timers.size + this.inflight.size; }

  /** When the oldest message still queued here was received (ms), or undefined when none is. */
  get oldestReceived(): number | undefined {
    let oldest: number | undefined;
    for (const e of this.envs.values()) if (oldest === undefined || e.received < oldest) oldest = e.received;
    return oldest;
  }

  /** Loads every committed envelope and schedules it. */
  async start(): Promise<number> {
    await this.o.spool.init();
    const envs = await this.o.spool.recover();
    for (const env of envs) {
      this.recovered.add(env.id);
      // a wait for the cluster is over: this runner starts only on a node that serves
      this.schedule(env, env.waitsForCluster ? 0 : Math.max(0, env.nextAttempt - Date.now()));
    }
    return envs.length;
  }

  enqueue(env: Envelope): void { this.schedule(env, 0); }

  /**
   * Schedules every committed envelope of the spool this runner does not know yet, as a retry;
   * returns how many. For a taken-over spool: its owner, cut from the cluster, keeps accepting
   * mail into it after the takeover started, and those envelopes would otherwise wait for a
   * restart (and keep the assignment, so the owner's own runner, from ever starting).
   */
  async adoptNew(): Promise<number> {
    const known = (id: string): boolean => this.envs.has(id) || this.inflight.has(id) || this.finished.has(id);
    const fresh = (await this.o.spool.envelopesExcept(known)).filter((e) => !known(e.id));
    for (const env of fresh) {
      if (this.stopped) break;
      this.recovered.add(env.id);
      this.schedule(env, 0);
    }
    return this.stopped ? 0 : fresh.length;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.waitingFor.clear();
    this.envs.clear();
    await Promise.allSettled(this.inflight.values());
  }

  /** Retries every waiting message now; returns how many were waiting. */
  flush(): number {
    const waiting = [...this.timers.keys()];
    for (const id of waiting) {
      const env = this.envs.get(id);
      if (env) this.schedule(env, 0);
    }
    return waiting.length;
  }

  /**
   * Retries now every waiting message with `account` among its pending recipients: called when
   * the account's grant goes away (its holder stopped, died or moved it), so mail that waited for
   * an unreachable holder is routed to the next one instead of sleeping out its backoff. A
   * message in flight right now (its attempt may be failing on the grant that just went) is
   * retried as soon as that attempt ends, if it ends deferred. Returns how many were rescheduled.
   */
  retryFor(account: string): number {
    const ids = [...(this.waitingFor.get(account) ?? [])];
    for (const id of ids) this.schedule(this.envs.get(id)!, 0);
    for (const id of this.inflight.keys()) {
      if (this.envs.get(id)?.recipients.some((r) => r.state === 'pending' && r.address === account)) this.releasedInFlight.add(id);
    }
    return ids.length;
  }

  /**
   * The cluster is reachable again (this node registered, a controller was elected): retries now
   * every waiting message whose last attempt failed only for the cluster, and any in flight that
   * ends that way. Returns how many were rescheduled.
   */
  clusterBack(): number {
    const ids = [...this.timers.keys()].filter((id) => this.envs.get(id)?.waitsForCluster === true);
    for (const id of ids) this.schedule(this.envs.get(id)!, 0);
    for (const id of this.inflight.keys()) this.clusterBackInFlight.add(id);
    return ids.length;
  }

  private schedule(env: Envelope, delayMs: number): void {
    if (this.stopped || this.inflight.has(env.id)) return;
    clearTimeout(this.timers.get(env.id));
    this.unindex(env);
    this.envs.set(env.id, env);
    const t = setTimeout(() => {
      this.timers.delete(env.id);
      this.unindex(env);
      const p = this.attempt(env).then((retryInMs) => {
        this.inflight.delete(env.id);
        const released = this.releasedInFlight.delete(env.id);
        const clusterBack = this.clusterBackInFlight.delete(env.id) && env.waitsForCluster === true;
        if (retryInMs !== undefined) this.schedule(env, released || clusterBack ? 0 : retryInMs);
        else {
          this.envs.delete(env.id);
          this.recovered.delete(env.id);
          if (this.o.takenOver) this.finished.add(env.id);
        }
      });
      this.inflight.set(env.id, p);
    }, delayMs);
    this.timers.set(env.id, t);
    for (const r of env.recipients) {
      if (r.state !== 'pending') continue;
      let ids = this.waitingFor.get(r.address);
      if (!ids) this.waitingFor.set(r.address, (ids = new Set()));
      ids.add(env.id);
    }
  }

  private unindex(env: Envelope): void {
    for (const r of env.recipients) {
      const ids = this.waitingFor.get(r.address);
      if (ids?.delete(env.id) && ids.size === 0) this.waitingFor.delete(r.address);
    }
  }

  /** One delivery attempt; resolves with the delay before the next one, or undefined when done. */
  private async attempt(env: Envelope): Promise<number | undefined> {
    try {
      const message = await this.o.spool.read(env.id);
      const pending = env.recipients.filter((r) => r.state === 'pending');
      const queued = { queueId: env.id, retry: env.attempts > 0 || this.o.takenOver === true || this.recovered.has(env.id) };
      const outcomes = await this.o.router.route(env.from, pending.map((r) => r.address), message, queued);
      const deferred = outcomes.filter((o) => !o.ok && !o.permanent);
      const clusterOnly = deferred.length > 0 && deferred.every((o) => !o.ok && o.cluster === true);
      for (const out of outcomes) {
        const r = env.recipients.find((x) => x.address === out.address && x.state === 'pending');
        if (!r) continue;
        r.attempts++;
        if (out.ok) {
          r.state = 'delivered';
          this.delivered++;
        } else if (out.permanent) {
          r.state = 'failed';
          r.reply = out.reply;
        } else {
          r.lastError = out.reply;
        }
      }
      env.attempts++;
      const expired = Date.now() - env.received > this.o.lifetimeMs;
      const stillPending = env.recipients.filter((r) => r.state === 'pending');
      if (stillPending.length > 0 && !expired) {
        if (clusterOnly) env.outageAttempts = (env.outageAttempts ?? 0) + 1;
        env.waitsForCluster = clusterOnly;
        const counted = Math.max(1, env.attempts - (env.outageAttempts ?? 0));
        const backoff = Math.min(this.o.retryMaxMs, this.o.retryBaseMs * 2 ** (counted - 1));
        const delay = clusterOnly ? Math.min(backoff, CLUSTER_RETRY_MS) : backoff;
        env.nextAttempt = Date.now() + delay;
        await this.o.spool.update(env);
        this.o.log.info({ id: env.id, attempt: env.attempts, count: stillPending.length, delayMs: delay, cluster: clusterOnly }, 'delivery deferred');
        return delay;
      }
      for (const r of stillPending) {
        r.state = 'failed';
        r.reply = `${r.lastError ?? '451 4.4.7 delivery time expired'} (gave up after ${r.attempts} attempts)`;
      }
      const failed = env.recipients.filter((r) => r.state === 'failed');
      if (failed.length > 0) {
        await this.o.spool.update(env);
        await this.o.onFailed?.(env, failed, message);
      }
      await this.o.spool.finish(env.id);
      this.o.log.info({ id: env.id, count: env.recipients.length - failed.length, failed: failed.length }, 'message done');
      return undefined;
    } catch (err) {
      this.o.log.error({ err, id: env.id }, 'queue attempt failed');
      return this.o.retryBaseMs;
    }
  }
}
