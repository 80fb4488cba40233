/**
 * AccountHolds: the accounts this node has open and may serve (design §4.3–4.5).
 *
 * An account is held when the routing cache shows `open/<account>` with this node as holder,
 * bound to this node's *current* lease (a grant on an old lease is never resurrected). Holding
 * ends when the grant goes away, or for every account at once when the session fences itself.
 *
 * Logs `account opened` / `account closed` (with `servingUntil`) so that serving intervals can be
 * audited: for one account they never overlap across nodes.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../src/log/logger.ts';
import type { NodeSession } from '../src/cluster/session.ts';
import type { ClusterView, Grant } from '../src/cluster/view.ts';
import type { LockClient } from '../src/cluster/lock-client.ts';

export interface Hold { account: string; token: string; openedAt: number; lastActive: number }

export class NotServingError extends Error {
  readonly code = 'NOT_SERVING';
  constructor(readonly account: string, readonly reason: 'not-holder' | 'fenced') {
    super(`account ${account} is not served here (${reason})`);
    this.name = 'NotServingError';
  }
}

export interface HoldsEvents {
  opened: [Hold];
  closed: [{ hold: Hold; reason: string; servingUntil: number }];
}

export interface HoldsOptions {
  view: ClusterView;
  session: NodeSession;
  locks: LockClient;
  nodeName: string;
  log: Logger;
  idleReleaseMs: number;
  /** Runs before an account counts as opened (e.g. writing the fence file). */
  onOpen?: (account: string, token: string) => Promise<void>;
}

export class AccountHolds extends EventEmitter<HoldsEvents> {
  private readonly held = new Map<string, Hold>();
  /** Accounts in use by long-lived sessions (IMAP): never released for idleness. */
  private readonly pins = new Map<string, number>();
  private readonly closedTokens = new Map<string, string>();
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: HoldsOptions) {
    super();
    this.setMaxListeners(0);
  }

  start(): void {
    this.o.view.on('granted', (g) => void this.onGranted(g));
    this.o.view.on('released', (g) => {
      const h = this.held.get(g.account);
      if (h && h.token === g.token) this.close(h, 'released', Date.now());
    });
    this.o.session.on('fenced', ({ servingUntil }) => {
      for (const h of [...this.held.values()]) this.close(h, 'self-fenced', servingUntil);
    });
    for (const g of this.o.view.grants.values()) void this.onGranted(g);
    if (this.o.idleReleaseMs > 0) {
      this.idleTimer = setInterval(() => void this.releaseIdle(), Math.min(this.o.idleReleaseMs, 10_000));
      this.idleTimer.unref();
    }
  }

  stop(): void {
    clearInterval(this.idleTimer);
    for (const h of [...this.held.values()]) this.close(h, 'stopping', Date.now());
  }

  /**
   * Stops serving `account` if held under `token` (drain, move): the account counts as closed
   * before this returns, so the controller may then delete the grant and open it elsewhere.
   */
  closeAccount(account: string, token: string, reason: string): boolean {
    const h = this.held.get(account);
    if (!h || h.token !== token) return false;
    this.close(h, reason, Date.now());
    return true;
  }

  get size(): number { return this.held.size; }

  /** Keeps `account` from idle release while a session uses it; call the returned function when done. */
  pin(account: string): () => void {
    this.pins.set(account, (this.pins.get(account) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const n = (this.pins.get(account) ?? 1) - 1;
      if (n > 0) this.pins.set(account, n);
      else this.pins.delete(account);
      const h = this.held.get(account);
      if (h) h.lastActive = Date.now();
    };
  }
  list(): Hold[] { return [...this.held.values()]; }

  /** True when assertServing(account) would succeed now. */
  isServing(account: string): boolean {
    return this.o.session.isServing() && this.held.has(account);
  }

  /**
   * Returns the fencing token if this node may touch `account` right now; throws NotServingError
   * otherwise. Synchronous and clock-based: valid even the instant a paused process wakes.
   */
  assertServing(account: string): string {
    if (!this.o.session.isServing()) throw new NotServingError(account, 'fenced');
    const h = this.held.get(account);
    if (!h) throw new NotServingError(account, 'not-holder');
    h.lastActive = Date.now();
    return h.token;
  }

  /**
   * Resolves once this node holds `account` under `token` (its watch has delivered the grant and
   * the account is opened); rejects with NotServingError after `timeoutMs`.
   */
  waitHeld(account: string, token: string, timeoutMs: number): Promise<void> {
    if (this.held.get(account)?.token === token) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onOpened = (h: Hold): void => {
        if (h.account !== account || h.token !== token) return;
        clearTimeout(timer);
        this.off('opened', onOpened);
        resolve();
      };
      const timer = setTimeout(() => {
        this.off('opened', onOpened);
        reject(new NotServingError(account, 'not-holder'));
      }, timeoutMs);
      this.on('opened', onOpened);
    });
  }

  private async onGranted(g: Grant): Promise<void> {
    if (g.holder !== this.o.nodeName || g.lease !== this.o.session.lease || !this.o.session.isServing()) return;
    if (this.held.get(g.account)?.token === g.token) return;
    try {
      await this.o.onOpen?.(g.account, g.token);
    } catch (err) {
      this.o.log.error({ err, account: g.account, token: g.token }, 'account open failed');
      return;
    }
    // Re-check: the grant may have gone while the fence file was written.
    const now = this.o.view.grant(g.account);
    if (!now || now.token !== g.token || !this.o.session.isServing()) return;
    const h: Hold = { account: g.account, token: g.token, openedAt: Date.now(), lastActive: Date.now() };
    this.held.set(g.account, h);
    this.o.log.info({ account: g.account, token: g.token }, 'account opened');
    this.emit('opened', h);
  }

  /** True when this node closed `account` under `token` (drain, move) and will not reopen that grant. */
  closedUnder(account: string, token: string): boolean {
    return this.closedTokens.get(account) === token;
  }

  /**
   * Ends holding `h`. `servingUntil` is when serving stopped, never later than the session's
   * serving window: a paused process that wakes may see the grant's deletion before its own
   * watchdog fences it, and it stopped serving when the window closed, not when it noticed.
   */
  private close(h: Hold, reason: string, until: number): void {
    if (this.held.get(h.account) !== h) return;
    const servingUntil = Math.min(until, this.o.session.servingUntil);
    this.held.delete(h.account);
    if (this.closedTokens.size > 10_000) this.closedTokens.clear();
    this.closedTokens.set(h.account, h.token);
    this.o.log.info({ account: h.account, token: h.token, reason, servingUntil }, 'account closed');
    this.emit('closed', { hold: h, reason, servingUntil });
  }

  private async releaseIdle(): Promise<void> {
    const cutoff = Date.now() - this.o.idleReleaseMs;
    for (const h of this.held.values()) {
      if (h.lastActive > cutoff || this.pins.has(h.account)) continue;
      try {
        await this.o.locks.release(h.account, h.token);
      } catch (err) {
        this.o.log.warn({ err, account: h.account }, 'idle release failed');
      }
    }
  }
}
