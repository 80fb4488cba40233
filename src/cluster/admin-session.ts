/**
 * Signed values that let a browser use the dashboard without the admin token in a URL:
 *
 * - a **session** (the value of the `mailcluster_session` cookie, 12 h), valid on every node of
 *   the cluster;
 * - a **login link** (`/dashboard?login=<value>`, 10 min, one use), addressed to one node, which
 *   remembers its nonce until it expires, so the link in a browser's history or a proxy's log is
 *   worthless once used.
 *
 * Both are `base64url(JSON payload) "." base64url(HMAC-SHA256)`, keyed by a key derived from the
 * admin token: whoever holds the token can make them (the CLI, `mailcluster dev`), and changing
 * the token (or the cluster secret it derives from) invalidates every one. Verification is
 * constant-time on the MAC and refuses lifetimes longer than the ones above.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { systemClock } from '../util/clock.ts';

export const SESSION_COOKIE = 'mailcluster_session';
export const SESSION_TTL_MS = 12 * 3600_000;
export const LOGIN_LINK_TTL_MS = 10 * 60_000;

type Kind = 'session' | 'login';
const payloadSchema = z.object({ k: z.enum(['session', 'login']), n: z.string().max(253).optional(), e: z.number().int(), r: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/) }).strict();
export type SignedValue = z.infer<typeof payloadSchema>;

function key(adminToken: string): Buffer {
  return createHmac('sha256', adminToken).update('mailcluster dashboard session v1').digest();
}

function sign(adminToken: string, p: SignedValue): string {
  const body = Buffer.from(JSON.stringify(p)).toString('base64url');
  return `${body}.${createHmac('sha256', key(adminToken)).update(body).digest('base64url')}`;
}

/** A new session value and when it expires (epoch ms). */
export function signSession(adminToken: string, now = systemClock.now()): { value: string; expires: number } {
  const expires = now + SESSION_TTL_MS;
  return { value: sign(adminToken, { k: 'session', e: expires, r: randomBytes(18).toString('base64url') }), expires };
}

/** A one-time login link value for `node`'s `/dashboard?login=`. */
export function signLoginLink(adminToken: string, node: string, now = systemClock.now()): string {
  return sign(adminToken, { k: 'login', n: node, e: now + LOGIN_LINK_TTL_MS, r: randomBytes(18).toString('base64url') });
}

/**
 * The payload of `value` when it is a well-formed, correctly signed, unexpired value of `kind`
 * (and, for a login link, addressed to `node`); undefined otherwise. Does not consume nonces.
 */
export function verifySigned(adminToken: string, kind: Kind, value: string | undefined, now = systemClock.now(), node?: string): SignedValue | undefined {
  if (!value || value.length > 1024) return undefined;
  const dot = value.indexOf('.');
  if (dot < 1) return undefined;
  const body = value.slice(0, dot);
  const mac = Buffer.from(value.slice(dot + 1), 'base64url');
  const want = createHmac('sha256', key(adminToken)).update(body).digest();
  if (mac.length !== want.length || !timingSafeEqual(mac, want)) return undefined;
  let p: SignedValue;
  try {
    p = payloadSchema.parse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
  } catch {
    return undefined;
  }
  const ttl = kind === 'session' ? SESSION_TTL_MS : LOGIN_LINK_TTL_MS;
  if (p.k !== kind || p.e <= now || p.e > now + ttl + 60_000) return undefined;
  if (kind === 'login' && p.n !== node) return undefined;
  return p;
}
