/**
 * New connections per client address that did not log in, per minute (a token bucket per
 * address; Postfix's `smtpd_client_connection_rate_limit` counts every connection, this counts
 * only the ones that end up useless). Without it a client refused by the penalties reconnects as
 * fast as the node accepts: every refusal is cheap, but thousands a second still take the CPU
 * that good logins need.
 *
 * Contract: `take(address)` takes one token and returns `refund`, or returns undefined when the
 * address has none left (the caller refuses the connection). The caller calls `refund` when the
 * connection logs in successfully (a user, or a cluster peer's proxied session), so clients that
 * log in are never limited by this; `refund` works once. A bucket holds `perMinute` tokens and
 * refills continuously at perMinute/60 a second. Memory is bounded: when more than `maxAddresses`
 * addresses are tracked, full buckets (addresses that stopped) are forgotten first, and if every
 * bucket is in use the oldest are.
 */
export class LoginLessRate {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly perMinute: number,
    private readonly now: () => number = Date.now,
    private readonly maxAddresses = 100_000,
  ) {}

  take(address: string): (() => void) | undefined {
    if (!Number.isFinite(this.perMinute)) return () => undefined;
    const b = this.refilled(address);
    if (b.tokens < 1) return undefined;
    b.tokens -= 1;
    this.buckets.set(address, b);
    if (this.buckets.size > this.maxAddresses) this.prune();
    let refunded = false;
    return () => {
      if (refunded) return;
      refunded = true;
      const r = this.refilled(address);
      r.tokens = Math.min(this.perMinute, r.tokens + 1);
      this.buckets.set(address, r);
    };
  }

  /** Tokens the address has now (perMinute for one never seen). */
  left(address: string): number {
    return Math.floor(this.refilled(address).tokens);
  }

  private refilled(address: string): { tokens: number; at: number } {
    const t = this.now();
    const b = this.buckets.get(address);
    if (!b) return { tokens: this.perMinute, at: t };
    return { tokens: Math.min(this.perMinute, b.tokens + ((t - b.at) / 60_000) * this.perMinute), at: t };
  }

  private prune(): void {
    for (const [a] of this.buckets) if (this.refilled(a).tokens >= this.perMinute) this.buckets.delete(a);
    for (const [a] of this.buckets) {
      if (this.buckets.size <= this.maxAddresses) break;
      this.buckets.delete(a);
    }
  }
}

/** The reply text IMAP and POP3 use when LoginLessRate refuses a connection. */
export const TOO_MANY_WITHOUT_LOGIN = 'Too many connections without a login from your address; try again later';
