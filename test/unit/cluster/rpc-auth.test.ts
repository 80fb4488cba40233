import { describe, expect, it } from 'vitest';
import { RequestVerifier, signRequest } from '../../../src/cluster/rpc/auth.ts';

const secret = 'z'.repeat(40);

describe('RPC request authentication', () => {
  it('accepts a signed request once, and refuses a replay', () => {
    const v = new RequestVerifier(secret);
    const h = signRequest(secret, 'POST', '/rpc/open', '{"a":1}');
    expect(v.verify(h, 'POST', '/rpc/open', '{"a":1}')).toBeUndefined();
    expect(v.verify(h, 'POST', '/rpc/open', '{"a":1}')).toBe('replayed request');
  });
  it('refuses a changed body, path, wrong secret, stale or malformed header', () => {
    const v = new RequestVerifier(secret);
    expect(v.verify(signRequest(secret, 'POST', '/rpc/open', '{"a":1}'), 'POST', '/rpc/open', '{"a":2}')).toBe('bad signature');
    expect(v.verify(signRequest(secret, 'POST', '/rpc/open', '{}'), 'POST', '/rpc/release', '{}')).toBe('bad signature');
    expect(v.verify(signRequest('y'.repeat(40), 'POST', '/rpc/open', '{}'), 'POST', '/rpc/open', '{}')).toBe('bad signature');
    expect(v.verify(signRequest(secret, 'POST', '/rpc/open', '{}', Date.now() - 60_000), 'POST', '/rpc/open', '{}')).toBe('stale credentials');
    expect(v.verify(undefined, 'POST', '/rpc/open', '{}')).toBe('missing credentials');
    expect(v.verify('a.b', 'POST', '/rpc/open', '{}')).toBe('malformed credentials');
  });
});
