/**
 * Authentication penalties per client address and per account (Dovecot's auth penalty), for
 * every protocol that checks user passwords (IMAP, POP3, submission AUTH).
 *
 * Contract of `check(address, account, verify)`:
 * - The failures already recorded decide first, before any password hash is computed:
 *   an address with `refuseAfterAddressFailures` failures, or an address that has failed before
 *   trying an account with `refuseAfterAccountFailures` failures, is refused at once with
 *   AuthRefused (the caller answers a temporary error). An address with no failures is never
 *   refused for the account's sake, so guessing at someone's account does not lock them out.
 * - Otherwise the attempt counts as a failure of both keys *before* verifying (so parallel
 *   attempts cannot all slip in under the count), waits `failureDelayMs × 2^(n-1)` (at most
 *   `maxDelayMs`) where n is the larger of the two failure counts, then runs `verify`, handing
 *   it `hashing`: the one way it may compute a password hash, through the VerifyGate (bounded
 *   concurrency, fair between addresses). A verify that needs no hash (a cache hit) skips the gate.
 * - A success clears both keys' failures; a failure stays counted; a `verify` that throws (the
 *   directory could not be read) is not the client's fault and is uncounted again.
 * Failures are forgotten `penaltyMs` after the last one. The tables are bounded (oldest dropped).
 */
import type { Hashing } from '../../src/accounts/directory.ts';
import type { Config } from '../../src/config/schema.ts';
import { VerifyGate } from './verify-gate.ts';

export interface AuthPenaltyOptions {
  failureDelayMs: number;
  maxDelayMs: number;
  refuseAfterAddressFailures: number;
  refuseAfterAccountFailures: number;
  penaltyMs: number;
  maxConcurrentVerifications: number;
}

/** Too many recent failures: answer a temporary refusal, no password was checked. */
export class AuthRefused extends Error {
  readonly code = 'AUTH_THROTTLED';
  constructor() {
    super('too many failed logins; try again later');
  }
}

const MAX_ENTRIES = 100_000;

interface Failures { count: number; last: number }

class FailureTable {
  private readonly m = new Map<string, Failures>();

  constructor(private readonly ttlMs: number) {}

  get(key: string, now: number): number {
    const f = this.m.get(key);
    if (!f) return 0;
    if (now - f.last > this.ttlMs) {
      this.m.delete(key);
      return 0;
    }
    return f.count;
  }

  add(key: string, delta: number, now: number): void {
    const count = this.get(key, now) + delta;
    this.m.delete(key); // re-inserted last: Map order is least recently failed first
    if (count <= 0) return;
    this.m.set(key, { count, last: now });
    if (this.m.size > MAX_ENTRIES) this.m.delete(this.m.keys().next().value!);
  }

  clear(key: string): void {
    this.m.delete(key);
  }
}

export class AuthPenalty {
  private readonly byAddress: FailureTable;
  private readonly byAccount: FailureTable;
  private readonly gate: VerifyGate;

  constructor(private readonly o: AuthPenaltyOptions) {
    this.byAddress = new FailureTable(o.penaltyMs);
    this.byAccount = new FailureTable(o.penaltyMs);
    this.gate = new VerifyGate(o.maxConcurrentVerifications);
  }

  async check<T>(address: string, account: string, verify: (hashing: Hashing) => Promise<T | undefined>): Promise<T | undefined> {
    const now = Date.now();
    const a = this.byAddress.get(address, now);
    const u = this.byAccount.get(account, now);
    if (a >= this.o.refuseAfterAddressFailures || (a > 0 && u >= this.o.refuseAfterAccountFailures)) throw new AuthRefused();
    this.byAddress.add(address, 1, now);
    this.byAccount.add(account, 1, now);
    const n = Math.max(a, u);
    if (n > 0) await new Promise((r) => setTimeout(r, this.delayMs(n)));
    let result: T | undefined;
    try {
      result = await verify((hash) => this.gate.run(address, hash));
    } catch (err) {
      this.byAddress.add(address, -1, Date.now());
      this.byAccount.add(account, -1, Date.now());
      throw err;
    }
    if (result !== undefined) {
      this.byAddress.clear(address);
      this.byAccount.clear(account);
    }
    return result;
  }

  /** The wait before the attempt after n failures. */
  delayMs(n: number): number {
    return Math.min(this.o.maxDelayMs, this.o.failureDelayMs * 2 ** Math.min(n - 1, 30));
  }

  /** Verifications waiting for a slot. */
  get queued(): number {
    return this.gate.queued;
  }
}

/** The node's AuthPenalty from the `limits.auth*` settings. */
export function authPenaltyFromConfig(limits: Readonly<Config['limits']>): AuthPenalty {
  return new AuthPenalty({
    failureDelayMs: limits.authFailureDelayMs,
    maxDelayMs: limits.authMaxDelayMs,
    refuseAfterAddressFailures: limits.authRefuseAfterAddressFailures,
    refuseAfterAccountFailures: limits.authRefuseAfterAccountFailures,
    penaltyMs: limits.authPenaltySeconds * 1000,
    maxConcurrentVerifications: limits.authConcurrentVerifications,
  });
}
