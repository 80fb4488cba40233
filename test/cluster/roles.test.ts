/**
 * Roles (design §2) and idle release (§4.4): a frontend never holds accounts nor leads; work it
 * receives is placed on the least-loaded backend; an account left idle is released.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts, startTestCluster, type TestCluster } from '../harness/cluster.ts';

let c: TestCluster;
beforeAll(async () => {
  c = await startTestCluster({ roles: ['frontend', 'backend', 'backend'], env: { MAILCLUSTER_LOCKS_IDLE_RELEASE_SECONDS: '2' } });
});
afterAll(async () => c?.stop());

describe('roles', () => {
  it('a frontend never campaigns; its opens go to the least-loaded backend', async () => {
    const ctl = await c.electedController();
    expect(ctl).not.toBe('mail-0');
    expect(c.node('mail-0').logs.some((l) => l.msg === 'campaigning for controller')).toBe(false);
    const grants = [];
    for (const account of accounts(6, 'fe')) grants.push(await c.rpc('mail-0', 'acquire', { account }));
    expect(grants.some((g) => g.holder === 'mail-0')).toBe(false);
    const perNode = grants.reduce<Record<string, number>>((acc, g) => ({ ...acc, [g.holder]: (acc[g.holder] ?? 0) + 1 }), {});
    expect(perNode).toEqual({ 'mail-1': 3, 'mail-2': 3 });
  });

  it('releases an account nobody used for the idle time', async () => {
    const g = await c.rpc('mail-1', 'acquire', { account: 'idle@example.test' });
    expect(g.holder).toBe('mail-1');
    await c.node('mail-1').waitForLog((l) => l.msg === 'account closed' && l.account === 'idle@example.test' && l.reason === 'released', 15_000);
    expect((await c.openKeys()).has('idle@example.test')).toBe(false);
    const again = await c.rpc('mail-2', 'acquire', { account: 'idle@example.test' });
    expect(again.holder).toBe('mail-2');
    expect(BigInt(again.token)).toBeGreaterThan(BigInt(g.token));
  });
});
