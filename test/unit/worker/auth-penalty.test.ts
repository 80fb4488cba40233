/**
 * AuthPenalty and VerifyGate contracts: refusal before any hash, growing delays, success clears,
 * an address without failures is not refused for an account's sake, and the gate serves a quiet
 * address's hash before an attacker's long queue.
 */
import { describe, expect, it } from 'vitest';
import { AuthPenalty, AuthRefused } from '../../../worker/limits/auth-penalty.ts';
import { VerifyGate } from '../../../worker/limits/verify-gate.ts';

const opts = { failureDelayMs: 20, maxDelayMs: 50, refuseAfterAddressFailures: 4, refuseAfterAccountFailures: 3, penaltyMs: 60_000, maxConcurrentVerifications: 1 };

describe('AuthPenalty', () => {
  it('delays after failures, refuses at the limit without hashing, and a success clears the count', async () => {
    const p = new AuthPenalty(opts);
    let hashes = 0;
    const wrong = (hashing: (h: () => Promise<boolean>) => Promise<boolean>) => hashing(async () => (hashes++, false)).then(() => undefined);
    const times: number[] = [];
    for (let i = 0; i < 4; i++) {
      const t = Date.now();
      expect(await p.check('10.0.0.1', `u${i}@x.test`, wrong)).toBeUndefined();
      times.push(Date.now() - t);
    }
    expect(times[0]).toBeLessThan(15);
    expect(times[1]).toBeGreaterThanOrEqual(18);
    expect(times[3]).toBeGreaterThanOrEqual(48);
    await expect(p.check('10.0.0.1', 'v@x.test', wrong)).rejects.toBeInstanceOf(AuthRefused);
    expect(hashes).toBe(4);
    // another address is not refused; a success there clears its own record
    expect(await p.check('10.0.0.2', 'v@x.test', async () => 'v@x.test')).toBe('v@x.test');
  });

  it('an account with many failures refuses only addresses that failed themselves', async () => {
    const p = new AuthPenalty({ ...opts, failureDelayMs: 0 });
    for (const a of ['1.1.1.1', '1.1.1.2', '1.1.1.3']) await p.check(a, 'victim@x.test', async () => undefined);
    await expect(p.check('1.1.1.1', 'victim@x.test', async () => undefined)).rejects.toBeInstanceOf(AuthRefused);
    expect(await p.check('9.9.9.9', 'victim@x.test', async () => 'victim@x.test')).toBe('victim@x.test');
  });
});

describe('VerifyGate', () => {
  it('runs at most `concurrency` at once and serves addresses round-robin', async () => {
    const gate = new VerifyGate(1);
    const order: string[] = [];
    const job = (who: string) => gate.run(who, async () => { order.push(who); await new Promise((r) => setTimeout(r, 5)); });
    const all = [...Array.from({ length: 5 }, () => job('attacker')), job('good')];
    await Promise.all(all);
    expect(order.indexOf('good')).toBeLessThanOrEqual(2);
  });
});
