/**
 * Internal credentials work once, at one place: the node and registration they name, for the
 * purpose and subject they name, until they expire.
 */
import { describe, expect, it } from 'vitest';
import { CredentialVerifier, CLOCK_SKEW_MS, CREDENTIAL_TTL_MS, mintCredential, type MintOptions } from '../../../../src/cluster/trust/credentials.ts';

const secret = 'z'.repeat(40);
const to = { node: 'mail-1', lease: '7587' };
const mint = (o: Partial<MintOptions> = {}): string => mintCredential(secret, { issuer: 'mail-0', audience: to, purpose: 'imap', subject: 'alice@example.test', ...o });
const verifier = (self = to): CredentialVerifier => new CredentialVerifier(secret, () => self);

describe('internal credentials', () => {
  it('are accepted once, by the node and registration they are addressed to, naming the issuer', () => {
    const v = verifier();
    const c = mint();
    expect(v.verify(c, 'imap', 'alice@example.test')).toEqual({ ok: true, issuer: 'mail-0' });
    expect(v.verify(c, 'imap', 'alice@example.test')).toEqual({ ok: false, reason: 'replayed credentials' });
  });

  it('are refused by every other node, and by the same node after it registered again', () => {
    const c = mint();
    expect(verifier({ node: 'mail-2', lease: '7587' }).verify(c, 'imap', 'alice@example.test')).toEqual({ ok: false, reason: 'addressed to another node' });
    expect(verifier({ node: 'mail-1', lease: '9001' }).verify(c, 'imap', 'alice@example.test')).toEqual({ ok: false, reason: 'addressed to another registration' });
    expect(verifier({ node: 'mail-1', lease: '' }).verify(mintCredential(secret, { issuer: 'mail-0', audience: { node: 'mail-1', lease: '' }, purpose: 'lmtp' }), 'lmtp')).toMatchObject({ ok: false });
  });

  it('are refused for another purpose or subject', () => {
    const v = verifier();
    expect(v.verify(mint(), 'pop3', 'alice@example.test')).toEqual({ ok: false, reason: 'wrong purpose' });
    expect(v.verify(mint(), 'imap', 'bob@example.test')).toEqual({ ok: false, reason: 'wrong subject' });
    expect(v.verify(mint({ purpose: 'rpc:stepDown', subject: 'x' }), 'rpc:open', 'x')).toEqual({ ok: false, reason: 'wrong purpose' });
  });

  it('expire, and cannot be minted to live long', () => {
    const v = verifier();
    const now = Date.now();
    expect(v.verify(mint({ now: now - CREDENTIAL_TTL_MS - CLOCK_SKEW_MS - 1 }), 'imap', 'alice@example.test', now)).toEqual({ ok: false, reason: 'expired credentials' });
    expect(v.verify(mint({ ttlMs: 3_600_000 }), 'imap', 'alice@example.test', now)).toMatchObject({ ok: true });
    // a clock far ahead (or a forged expiry) is refused rather than remembered for long
    expect(v.verify(mint({ now: now + 60_000 }), 'imap', 'alice@example.test', now)).toEqual({ ok: false, reason: 'expiry too far ahead' });
  });

  it('are refused when tampered with, signed with another secret, or malformed', () => {
    const v = verifier();
    const c = mint();
    const [ver, claims, mac] = c.split('.') as [string, string, string];
    const forged = JSON.parse(Buffer.from(claims, 'base64url').toString()) as Record<string, unknown>;
    forged.aud = 'mail-2';
    expect(v.verify(`${ver}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${mac}`, 'imap', 'alice@example.test')).toEqual({ ok: false, reason: 'bad signature' });
    expect(v.verify(mintCredential('y'.repeat(40), { issuer: 'mail-0', audience: to, purpose: 'imap', subject: 'alice@example.test' }), 'imap', 'alice@example.test')).toEqual({ ok: false, reason: 'bad signature' });
    expect(v.verify(undefined, 'imap')).toEqual({ ok: false, reason: 'missing credentials' });
    expect(v.verify('a.b.c', 'imap')).toEqual({ ok: false, reason: 'malformed credentials' });
  });

  it('forget nonces once their credential expired', () => {
    const v = verifier();
    const now = Date.now();
    expect(v.verify(mint({ now }), 'imap', 'alice@example.test', now)).toMatchObject({ ok: true });
    expect(v.remembered).toBe(1);
    expect(v.verify(mint({ now: now + 30_000 }), 'imap', 'alice@example.test', now + 30_000)).toMatchObject({ ok: true });
    expect(v.remembered).toBe(1);
  });
});
