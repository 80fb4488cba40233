/**
 * DirectoryCache: answers live their TTL; through a directory outage a recent positive answer
 * stands (mail for known accounts is still accepted), a negative or too old one does not.
 */
import { describe, expect, it } from 'vitest';
import { DirectoryCache } from '../../../src/accounts/cache.ts';
import type { AccountDirectory } from '../../../src/accounts/directory.ts';

/** A directory whose accounts and reachability the test sets. */
function directory() {
  const d = { accounts: new Set<string>(), down: false, reads: 0 };
  const read = async <T>(v: () => T): Promise<T> => {
    d.reads++;
    if (d.down) throw Object.assign(new Error('etcd unreachable'), { code: 'UNAVAILABLE' });
    return v();
  };
  const dir = {
    hasDomain: (domain: string) => read(() => [...d.accounts].some((a) => a.endsWith(`@${domain}`))),
    getAccount: (address: string) => read(() => (d.accounts.has(address) ? { address, enabled: true } : undefined)),
  } as unknown as AccountDirectory;
  return { d, dir };
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('DirectoryCache', () => {
  it('reads the directory once per TTL', async () => {
    const { d, dir } = directory();
    d.accounts.add('a@x.test');
    const c = new DirectoryCache(dir, 50, 10, 1000);
    expect(await c.hasAccount('a@x.test')).toBe(true);
    expect(await c.hasAccount('a@x.test')).toBe(true);
    expect(d.reads).toBe(1);
    await tick(60);
    expect(await c.hasAccount('a@x.test')).toBe(true);
    expect(d.reads).toBe(2);
  });

  it('keeps a recent positive answer through an outage, and reads again once the directory is back', async () => {
    const { d, dir } = directory();
    d.accounts.add('a@x.test');
    const c = new DirectoryCache(dir, 10, 10, 1000);
    expect(await c.hasAccount('a@x.test')).toBe(true);
    expect(await c.hasDomain('x.test')).toBe(true);
    d.down = true;
    await tick(20);
    expect(await c.hasAccount('a@x.test')).toBe(true);
    expect(await c.hasDomain('x.test')).toBe(true);
    d.down = false;
    d.accounts.delete('a@x.test');
    expect(await c.hasAccount('a@x.test')).toBe(false);
  });

  it('rejects through an outage for names it has not seen, seen as missing, or seen too long ago', async () => {
    const { d, dir } = directory();
    d.accounts.add('old@x.test');
    const c = new DirectoryCache(dir, 10, 10, 50);
    expect(await c.hasAccount('old@x.test')).toBe(true);
    expect(await c.hasAccount('missing@x.test')).toBe(false);
    await tick(60);
    d.down = true;
    await expect(c.hasAccount('new@x.test')).rejects.toThrow('etcd unreachable');
    await expect(c.hasAccount('missing@x.test')).rejects.toThrow('etcd unreachable');
    await expect(c.hasAccount('old@x.test')).rejects.toThrow('etcd unreachable');
  });
});
