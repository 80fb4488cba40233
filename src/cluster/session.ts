/**
 * NodeSession: this process's one etcd lease, its `nodes/<name>` registration and self-fencing
 * (design §3, §4.5).
 *
 * Contract:
 * - `isServing()` is true only while the last acknowledged keep-alive was *sent* less than
 *   `ttl - safetyMargin` ago. It is computed from the clock on every call, so a process that wakes
 *   from a pause is not serving before any timer runs. Since etcd refreshes the TTL when it
 *   receives a keep-alive, which is after we sent it, the lease cannot expire inside our window.
 * - When the window closes (or etcd says the lease is gone) the session emits `fenced` once with
 *   `servingUntil` (when serving stopped) and then recovers on its own: it revokes the old lease,
 *   grants a new one and registers again, emitting `registered` with the new lease. The revoke is
 *   retried before every registration attempt until etcd confirms it (or no longer knows the
 *   lease), so grants bound to the old lease are gone by the time the node serves again rather
 *   than lingering for a TTL after an etcd outage. Grants bound to the old lease are never reused.
 */
import { EventEmitter } from 'node:events';
import { EtcdLeaseInvalidError, type Etcd3, type IDuplexStream, type ILeaseKeepAliveRequest, type ILeaseKeepAliveResponse } from 'etcd3';
import type { Logger } from '../log/logger.ts';
import { backoffMs, sleep, systemClock, type Clock } from '../util/clock.ts';
import type { Keys } from './keys.ts';
import type { NodeValue } from './values.ts';

export interface SessionOptions {
  etcd: Etcd3;
  keys: Keys;
  log: Logger;
  ttlSeconds: number;
  keepAliveIntervalMs: number;
  safetyMarginMs: number;
  /** The registration value minus the lease, which the session fills in. */
  describe: () => Omit<NodeValue, 'lease'>;
  clock?: Clock;
}

export type SessionState = 'starting' | 'live' | 'fenced' | 'stopped';

export interface SessionEvents {
  registered: [{ lease: string; nodeCreateRevision: string }];
  fenced: [{ servingUntil: number; reason: string; lease: string }];
  /** A keep-alive sent at `at` (ms) was acknowledged: etcd was reachable then. */
  contact: [{ at: number }];
}

export class NodeSession extends EventEmitter<SessionEvents> {
  private stateValue: SessionState = 'starting';
  private leaseValue = '';
  /** Leases of earlier registrations not yet confirmed revoked (see revokeRetired). */
  private readonly retired = new Set<string>();
  private validUntil = 0;
  private pending: number[] = [];
  private stream: IDuplexStream<ILeaseKeepAliveRequest, ILeaseKeepAliveResponse> | undefined;
  private keepAliveTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private readonly clock: Clock;
  private generation = 0;
  private opening = false;

  constructor(private readonly o: SessionOptions) {
    super();
    this.clock = o.clock ?? systemClock;
  }

  get state(): SessionState { return this.stateValue; }
  /** The current lease id (decimal string); empty before the first registration. */
  get lease(): string { return this.leaseValue; }

  /** True while this node may touch the accounts it holds. Never blocks. */
  isServing(): boolean {
    return this.stateValue === 'live' && this.clock.now() < this.validUntil;
  }

  /** When the serving window closes unless a keep-alive is acknowledged first (ms since epoch). */
  get servingUntil(): number { return this.validUntil; }

  /** Grants the first lease and registers. Retries until it succeeds or `signal` aborts. */
  async start(signal?: AbortSignal): Promise<void> {
    this.watchdog = setInterval(() => this.checkWindow(), 25);
    await this.register(signal);
  }

  /** Re-writes the node key (same lease), e.g. to publish a new load figure. Best effort. */
  async refresh(): Promise<void> {
    if (this.stateValue !== 'live') return;
    const lease = this.leaseValue;
    await this.o.etcd.put(this.o.keys.node(this.o.describe().name)).value(this.value(lease)).lease(lease).exec().catch(() => undefined);
  }

  /** Revokes the lease (its node key, candidacy and grants vanish at once) and stops. */
  async stop(): Promise<void> {
    this.stateValue = 'stopped';
    this.generation++;
    clearInterval(this.watchdog);
    this.stopKeepAlive();
    if (this.leaseValue) await this.o.etcd.leaseClient.leaseRevoke({ ID: this.leaseValue }).catch(() => undefined);
  }

  private value(lease: string): string {
    return JSON.stringify({ ...this.o.describe(), lease } satisfies NodeValue);
  }

  private async register(signal?: AbortSignal): Promise<void> {
    const gen = ++this.generation;
    for (let attempt = 0; ; attempt++) {
      if (this.superseded(gen)) return;
      try {
        await this.revokeRetired();
        const sentAt = this.clock.now();
        const grant = await this.o.etcd.leaseClient.leaseGrant({ TTL: this.o.ttlSeconds });
        const lease = grant.ID;
        const put = await this.o.etcd.put(this.o.keys.node(this.o.describe().name)).value(this.value(lease)).lease(lease).exec();
        if (this.superseded(gen)) {
          await this.o.etcd.leaseClient.leaseRevoke({ ID: lease }).catch(() => undefined);
          return;
        }
        this.leaseValue = lease;
        this.validUntil = sentAt + Number(grant.TTL) * 1000 - this.o.safetyMarginMs;
        this.stateValue = 'live';
        this.startKeepAlive(gen);
        this.o.log.info({ lease, ttl: Number(grant.TTL) }, 'node registered');
        this.emit('registered', { lease, nodeCreateRevision: put.header.revision });
        return;
      } catch (err) {
        this.o.log.warn({ err, attempt }, 'registration failed');
        await sleep(backoffMs(attempt, 100, 2000), signal);
      }
    }
  }

  /** Revokes the leases of earlier registrations; throws while etcd cannot confirm it. */
  private async revokeRetired(): Promise<void> {
    for (const id of [...this.retired]) {
      await this.o.etcd.leaseClient.leaseRevoke({ ID: id }).catch((err: unknown) => {
        if (!(err instanceof EtcdLeaseInvalidError)) throw err; // expired already: nothing left to revoke
      });
      this.retired.delete(id);
    }
  }

  private superseded(gen: number): boolean {
    return this.stateValue === 'stopped' || gen !== this.generation;
  }

  private startKeepAlive(gen: number): void {
    const tick = async (): Promise<void> => {
      if (gen !== this.generation || this.stateValue !== 'live') return;
      try {
        if (!this.stream) {
          if (this.opening) return;
          this.opening = true;
          try {
            await this.openStream(gen);
          } finally {
            this.opening = false;
          }
        }
        if (!this.stream || gen !== this.generation) return;
        this.pending.push(this.clock.now());
        this.stream?.write({ ID: this.leaseValue });
      } catch (err) {
        this.o.log.debug({ err }, 'keep-alive send failed');
        this.closeStream();
      }
    };
    clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = setInterval(() => void tick(), this.o.keepAliveIntervalMs);
    void tick();
  }

  private async openStream(gen: number): Promise<void> {
    const stream = await this.o.etcd.leaseClient.leaseKeepAlive();
    if (gen !== this.generation) {
      stream.end();
      return;
    }
    this.pending = [];
    this.stream = stream;
    stream.on('data', (res: ILeaseKeepAliveResponse) => {
      const sentAt = this.pending.shift();
      if (gen !== this.generation || sentAt === undefined) return;
      if (Number(res.TTL) <= 0) return this.fence('lease expired');
      this.validUntil = Math.max(this.validUntil, sentAt + Number(res.TTL) * 1000 - this.o.safetyMarginMs);
      this.emit('contact', { at: sentAt });
    });
    stream.on('error', (err: Error) => {
      this.o.log.debug({ err }, 'keep-alive stream failed');
      if (this.stream === stream) this.closeStream();
    });
    stream.on('end', () => {
      if (this.stream === stream) this.closeStream();
    });
  }

  /** Ends the keep-alive stream; the keep-alive timer reopens it on its next tick while live. */
  private closeStream(): void {
    const s = this.stream;
    this.stream = undefined;
    this.pending = [];
    try { s?.end(); } catch { /* already closed */ }
  }

  private stopKeepAlive(): void {
    clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = undefined;
    this.closeStream();
  }

  private checkWindow(): void {
    if (this.stateValue === 'live' && this.clock.now() >= this.validUntil) this.fence('keep-alive window closed');
  }

  private fence(reason: string): void {
    if (this.stateValue !== 'live') return;
    const old = this.leaseValue;
    this.stateValue = 'fenced';
    this.generation++;
    this.stopKeepAlive();
    const servingUntil = Math.min(this.validUntil, this.clock.now());
    this.o.log.warn({ reason, servingUntil, lease: old }, 'self-fenced');
    this.emit('fenced', { servingUntil, reason, lease: old });
    // Revoke (first thing in register) so that our grants become available at once rather than at
    // expiry; then register anew.
    if (old) this.retired.add(old);
    void this.register();
  }
}

