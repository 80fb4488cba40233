import { describe, expect, it } from 'vitest';
import { LoginLessRate } from '../../../worker/limits/login-less-rate.ts';

describe('LoginLessRate', () => {
  it('refuses an address once it used its minute, refills over time, and leaves other addresses alone', () => {
    let t = 0;
    const r = new LoginLessRate(6, () => t);
    for (let i = 0; i < 6; i++) expect(r.take('a')).toBeDefined();
    expect(r.take('a')).toBeUndefined();
    expect(r.take('b')).toBeDefined();
    t += 10_000; // a sixth of a minute: one token
    expect(r.take('a')).toBeDefined();
    expect(r.take('a')).toBeUndefined();
    t += 600_000;
    expect(r.left('a')).toBe(6);
  });

  it('gives the token back when the connection logs in, once', () => {
    const r = new LoginLessRate(2, () => 0);
    const first = r.take('a')!;
    r.take('a');
    expect(r.take('a')).toBeUndefined();
    first();
    first();
    expect(r.left('a')).toBe(1);
    expect(r.take('a')).toBeDefined();
    expect(r.take('a')).toBeUndefined();
  });

  it('keeps its memory bounded under many addresses', () => {
    let t = 0;
    const r = new LoginLessRate(5, () => t, 100);
    for (let i = 0; i < 1000; i++) r.take(`10.0.${i >> 8}.${i & 255}`);
    expect((r as unknown as { buckets: Map<string, unknown> }).buckets.size).toBeLessThanOrEqual(100);
    t += 1;
    expect(r.left('10.0.3.231')).toBe(4); // the newest address is still tracked
  });

  it('is off when the limit is infinite', () => {
    const r = new LoginLessRate(Infinity);
    for (let i = 0; i < 1000; i++) expect(r.take('a')).toBeDefined();
  });
});
