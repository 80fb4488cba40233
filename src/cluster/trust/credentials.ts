/**
 * Internal credentials (issue 15, design §5): the one place where every credential one node
 * presents to another is minted and checked — LMTP AUTH (purpose `lmtp`), IMAP and POP3 peer
 * logins (`imap` / `pop3`, subject = the account), and RPC (`rpc:<method>`, subject = the
 * SHA-256 of the body).
 *
 * Wire form: `mc1.<base64url(JSON claims)>.<base64url(HMAC-SHA256(k, "mc1." + claims))>` where k
 * is derived from the cluster secret for this use only. The claims name the issuing node, the
 * target node AND its registration (the lease id of its `nodes/<name>` key), the purpose, the
 * subject, an expiry at most MAX_TTL_MS ahead, and a random nonce.
 *
 * A verifier accepts a credential only when the MAC is right, it is addressed to this node under
 * its current registration, for the purpose and subject being asked for, not expired, and its
 * nonce was never seen. Nonces are remembered until their credential expires (plus the clock
 * skew allowed), so each credential works once, at one place: replayed to another node, to this
 * node after it registered again, for another account or after it expired, it is refused.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { systemClock, type Clock } from '../../util/clock.ts';

const VERSION = 'mc1';
/** Credentials live this long: enough for one connection set-up or one RPC, not for a replay later. */
export const CREDENTIAL_TTL_MS = 10_000;
/** Clock difference between nodes tolerated in both directions. */
export const CLOCK_SKEW_MS = 5_000;
const MAX_TTL_MS = CREDENTIAL_TTL_MS + CLOCK_SKEW_MS;
/** Bound on remembered nonces; when full of unexpired ones, new credentials are refused (never forgotten early). */
const MAX_NONCES = 200_000;

export type Purpose = 'lmtp' | 'imap' | 'pop3' | `rpc:${string}`;

/** Who a credential is for: a node under one registration (its lease id). */
export interface Audience { node: string; lease: string }

const claimsSchema = z.object({
  iss: z.string().min(1).max(63),
  aud: z.string().min(1).max(63),
  reg: z.string().min(1).max(32),
  use: z.string().min(1).max(64),
  sub: z.string().max(400),
  exp: z.number().int().positive(),
  n: z.string().regex(/^[A-Za-z0-9_-]{16,32}$/),
}).strict();
export type Claims = z.infer<typeof claimsSchema>;

function keyOf(secret: string): Buffer {
  return createHmac('sha256', secret).update('mailcluster internal credential v1').digest();
}

function macOf(key: Buffer, signed: string): Buffer {
  return createHmac('sha256', key).update(signed).digest();
}

/** The SHA-256 of an RPC body, the subject of an RPC credential. */
export function bodyDigest(body: string): string {
  return createHash('sha256').update(body).digest('base64url');
}

export interface MintOptions {
  issuer: string;
  audience: Audience;
  purpose: Purpose;
  subject?: string;
  now?: number;
  ttlMs?: number;
}

/** Mints one credential. Pure apart from the nonce; never blocks. */
export function mintCredential(secret: string, o: MintOptions): string {
  const claims: Claims = {
    iss: o.issuer,
    aud: o.audience.node,
    reg: o.audience.lease,
    use: o.purpose,
    sub: o.subject ?? '',
    exp: (o.now ?? systemClock.now()) + Math.min(o.ttlMs ?? CREDENTIAL_TTL_MS, CREDENTIAL_TTL_MS),
    n: randomBytes(16).toString('base64url'),
  };
  const signed = `${VERSION}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${signed}.${macOf(keyOf(secret), signed).toString('base64url')}`;
}

/** Recognises the shape of a credential (not its validity): `mc1.<claims>.<mac>`. */
export function looksLikeCredential(s: string): boolean {
  return /^mc1\.[A-Za-z0-9_-]{20,1200}\.[A-Za-z0-9_-]{43}$/.test(s);
}

export type Verdict = { ok: true; issuer: string } | { ok: false; reason: string };

/**
 * Refusals an honest peer can meet for a moment — its view of this node's registration lags (this
 * node just registered again), clocks differ, the nonce memory is full — so it may retry with a
 * fresh credential; every other refusal means a wrong secret, tampering or a replay.
 */
const TRANSIENT = new Set(['addressed to another node', 'addressed to another registration', 'expired credentials', 'expiry too far ahead', 'too many credentials in flight']);
export function isTransientRefusal(reason: string): boolean {
  return TRANSIENT.has(reason);
}

/**
 * A verdict for a credential that arrived on a mutually authenticated link: valid only when the
 * node named by the link's certificate (`linkPeer`, peerNodeName) issued it.
 */
export function onLink(verdict: Verdict, linkPeer: string | undefined): Verdict {
  if (!verdict.ok) return verdict;
  return verdict.issuer === linkPeer ? verdict : { ok: false, reason: 'issued by another node than the one on this link' };
}

export class CredentialVerifier {
  private readonly key: Buffer;
  /** nonce → until when it must be remembered; insertion order is roughly expiry order. */
  private readonly seen = new Map<string, number>();

  /**
   * `self` answers this node's name and current registration (empty lease: not registered, refuse
   * all); `clock` decides expiry and how long nonces are remembered (the system clock by default).
   */
  constructor(secret: string, private readonly self: () => Audience, private readonly clock: Clock = systemClock) {
    this.key = keyOf(secret);
  }

  /** Checks one credential for `purpose` and `subject`; a valid one is consumed (accepted once). */
  verify(credential: string | undefined, purpose: Purpose, subject = '', now = this.clock.now()): Verdict {
    if (!credential) return { ok: false, reason: 'missing credentials' };
    if (!looksLikeCredential(credential)) return { ok: false, reason: 'malformed credentials' };
    const cut = credential.lastIndexOf('.');
    const signed = credential.slice(0, cut);
    const given = Buffer.from(credential.slice(cut + 1), 'base64url');
    const want = macOf(this.key, signed);
    if (given.length !== want.length || !timingSafeEqual(given, want)) return { ok: false, reason: 'bad signature' };
    let claims: Claims;
    try {
      const parsed = claimsSchema.safeParse(JSON.parse(Buffer.from(signed.slice(VERSION.length + 1), 'base64url').toString('utf8')));
      if (!parsed.success) return { ok: false, reason: 'malformed credentials' };
      claims = parsed.data;
    } catch {
      return { ok: false, reason: 'malformed credentials' };
    }
    const me = this.self();
    if (claims.aud !== me.node) return { ok: false, reason: 'addressed to another node' };
    if (!me.lease || claims.reg !== me.lease) return { ok: false, reason: 'addressed to another registration' };
    if (claims.use !== purpose) return { ok: false, reason: 'wrong purpose' };
    if (claims.sub !== subject) return { ok: false, reason: 'wrong subject' };
    if (now > claims.exp + CLOCK_SKEW_MS) return { ok: false, reason: 'expired credentials' };
    if (claims.exp - now > MAX_TTL_MS) return { ok: false, reason: 'expiry too far ahead' };
    this.prune(now);
    if (this.seen.has(claims.n)) return { ok: false, reason: 'replayed credentials' };
    if (this.seen.size >= MAX_NONCES) return { ok: false, reason: 'too many credentials in flight' };
    this.seen.set(claims.n, claims.exp + CLOCK_SKEW_MS);
    return { ok: true, issuer: claims.iss };
  }

  /** How many nonces are remembered (for tests and metrics). */
  get remembered(): number { return this.seen.size; }

  private prune(now: number): void {
    for (const [n, until] of this.seen) {
      if (until >= now) break;
      this.seen.delete(n);
    }
  }
}
