/**
 * Dashboard sessions on one node (the signed values are in src/cluster/admin-session.ts):
 *
 *   POST   /api/session            Authorization: Bearer <admin token>  → 204 + Set-Cookie
 *   DELETE /api/session            clears the cookie (204)
 *   GET    /dashboard?login=<v>    a one-time link for this node → 303 /dashboard + Set-Cookie;
 *                                  expired, forged, for another node, used before, or issued
 *                                  before this process started → 401
 *
 * The cookie is HttpOnly, SameSite=Strict, Path=/, Max-Age 12 h, and Secure when the request came
 * over TLS (directly, or `X-Forwarded-Proto: https` from a terminating proxy). It grants read-only
 * API access (GET); changes still need the bearer token, so a page on another port of the same
 * host (same-site for cookies) cannot make the browser drain a node.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { LOGIN_LINK_TTL_MS, SESSION_COOKIE, SESSION_TTL_MS, signSession, verifySigned } from '../../src/cluster/admin-session.ts';

export class DashboardSessions {
  /** Nonces of login links already used, with their expiry: refused until then. */
  private readonly used = new Map<string, number>();
  /**
   * The used nonces live in memory only, so a link issued before this process started might have
   * been used by its predecessor: such links are refused (a restart voids unused links too).
   */
  private readonly startedAt: number;

  constructor(private readonly adminToken: string, private readonly node: string, private readonly now: () => number = Date.now) {
    this.startedAt = now();
  }

  /** Whether the request carries a valid session cookie. */
  hasSession(req: IncomingMessage): boolean {
    return verifySigned(this.adminToken, 'session', readCookie(req, SESSION_COOKIE), this.now()) !== undefined;
  }

  /** Issues a session cookie (the caller has checked the bearer token). */
  start(req: IncomingMessage, res: ServerResponse): void {
    const s = signSession(this.adminToken, this.now());
    res.writeHead(204, { 'set-cookie': cookie(req, s.value, SESSION_TTL_MS / 1000), 'cache-control': 'no-store' }).end();
  }

  end(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(204, { 'set-cookie': cookie(req, '', 0), 'cache-control': 'no-store' }).end();
  }

  /** `/dashboard?login=…`: consumes the link and sets the cookie, or answers 401. */
  login(value: string, req: IncomingMessage, res: ServerResponse): void {
    const now = this.now();
    for (const [nonce, exp] of this.used) if (exp <= now) this.used.delete(nonce);
    const link = verifySigned(this.adminToken, 'login', value, now, this.node);
    if (!link || this.used.has(link.r) || link.e - LOGIN_LINK_TTL_MS < this.startedAt) {
      res.writeHead(401, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end('<!doctype html><title>mailcluster</title><p>This login link is expired, already used, or not for this node. <a href="/dashboard">Open the dashboard</a> and enter the admin token, or ask <code>mailcluster dashboard</code> for a new link.</p>\n');
      return;
    }
    this.used.set(link.r, link.e);
    const s = signSession(this.adminToken, now);
    res.writeHead(303, { location: '/dashboard', 'set-cookie': cookie(req, s.value, SESSION_TTL_MS / 1000), 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).end();
  }
}

function secure(req: IncomingMessage): boolean {
  return (req.socket as Partial<TLSSocket>).encrypted === true || req.headers['x-forwarded-proto'] === 'https';
}

function cookie(req: IncomingMessage, value: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure(req) ? '; Secure' : ''}`;
}

/** The value of cookie `name` from the request's Cookie header(s), if present. */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
