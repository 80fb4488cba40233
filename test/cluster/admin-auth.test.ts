/**
 * The admin HTTP port from an attacker's side, on a real node: the admin token works only in the
 * Authorization header (`?token=` is refused even when right); dashboard session cookies that are
 * forged, tampered with or expired are refused, and a good one reads but cannot change anything;
 * a one-time login link works once, only on the node it names, and only while fresh; /metrics
 * with `admin.metricsToken` set needs exactly that token.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken } from '../../src/cluster/admin-token.ts';
import { LOGIN_LINK_TTL_MS, SESSION_COOKIE, SESSION_TTL_MS, signLoginLink, signSession } from '../../src/cluster/admin-session.ts';
import { startTestCluster, type TestCluster } from '../harness/cluster.ts';

const METRICS_TOKEN = 'prometheus-scrape-token-0123456789';
let c: TestCluster;
let base: string;
let token: string;

const get = (path: string, headers: Record<string, string> = {}): Promise<Response> => fetch(`${base}${path}`, { headers, redirect: 'manual' });
const withCookie = (value: string): Record<string, string> => ({ cookie: `${SESSION_COOKIE}=${value}` });
const cookieOf = (res: Response): string | undefined => /^mailcluster_session=([^;]*)/.exec(res.headers.get('set-cookie') ?? '')?.[1];

beforeAll(async () => {
  c = await startTestCluster({ nodes: 1, env: { MAILCLUSTER_ADMIN_METRICS_TOKEN: METRICS_TOKEN } });
  base = `http://127.0.0.1:${c.node('mail-0').env.MAILCLUSTER_PORTS_ADMIN}`;
  token = adminToken({ admin: { token: '' }, cluster: { secret: c.local.secret } });
}, 60_000);
afterAll(async () => {
  await c?.stop();
});

describe('admin token', () => {
  it('is refused in the query string, on every kind of route, and accepted as a bearer header', async () => {
    for (const path of ['/api/v1/status', '/api/v1/accounts', '/api/v1/events/stream']) {
      const res = await get(`${path}?token=${encodeURIComponent(token)}`);
      expect([path, res.status]).toEqual([path, 401]);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="mailcluster"');
    }
    expect((await fetch(`${base}/api/v1/nodes/mail-0/drain?token=${token}`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${base}/api/session?token=${token}`, { method: 'POST' })).status).toBe(401);
    expect((await get('/api/v1/status', { authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await get('/api/v1/status', { authorization: `Bearer ${token}x` })).status).toBe(401);
  });
});

describe('dashboard session cookie', () => {
  it('POST /api/session with the bearer token sets an HttpOnly, SameSite=Strict cookie that reads the API and the event stream', async () => {
    const res = await fetch(`${base}/api/session`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(204);
    const set = res.headers.get('set-cookie')!;
    expect(set).toMatch(/^mailcluster_session=[^;]+; Path=\/; Max-Age=43200; HttpOnly; SameSite=Strict$/);
    const cookie = cookieOf(res)!;
    expect((await get('/api/v1/status', withCookie(cookie))).status).toBe(200);
    const stream = await fetch(`${base}/api/v1/events/stream?history=1`, { headers: withCookie(cookie), signal: AbortSignal.timeout(5000) });
    expect([stream.status, stream.headers.get('content-type')]).toEqual([200, 'text/event-stream']);
    await stream.body?.cancel();
    // behind a TLS-terminating proxy the cookie is Secure
    const tls = await fetch(`${base}/api/session`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'x-forwarded-proto': 'https' } });
    expect(tls.headers.get('set-cookie')).toMatch(/; Secure$/);
  });

  it('a valid cookie cannot change anything: POST, PATCH and DELETE need the bearer token', async () => {
    const cookie = signSession(token).value;
    expect((await fetch(`${base}/api/v1/nodes/mail-0/drain`, { method: 'POST', headers: withCookie(cookie) })).status).toBe(401);
    expect((await fetch(`${base}/api/v1/domains`, { method: 'POST', headers: { ...withCookie(cookie), 'content-type': 'application/json' }, body: '{"domain":"evil.test"}' })).status).toBe(401);
    expect((await fetch(`${base}/api/v1/dashboard-link`, { method: 'POST', headers: withCookie(cookie) })).status).toBe(401);
    expect((await fetch(`${base}/api/v1/nodes/mail-0`, { method: 'DELETE', headers: withCookie(cookie) })).status).toBe(401);
    expect(await (await get('/api/v1/domains', { authorization: `Bearer ${token}` })).json()).not.toContain('evil.test');
  });

  it('forged, tampered, expired and over-long cookies are refused', async () => {
    const good = signSession(token).value;
    const [body, mac] = good.split('.') as [string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as { e: number };
    const forgedBody = Buffer.from(JSON.stringify({ ...payload, e: payload.e + 3600_000 })).toString('base64url');
    const badKey = createHmac('sha256', 'guessed key').update(forgedBody).digest('base64url');
    const cases: Record<string, string> = {
      'signed with another token': signSession('not-the-admin-token').value,
      'payload changed, old MAC': `${forgedBody}.${mac}`,
      'payload changed, MAC with a guessed key': `${forgedBody}.${badKey}`,
      'expired an hour ago': signSession(token, Date.now() - SESSION_TTL_MS - 3600_000).value,
      'valid for a year (made with a wrong clock)': signSession(token, Date.now() + 365 * 24 * 3600_000).value,
      'a login link used as a cookie': signLoginLink(token, 'mail-0'),
      'the admin token itself': token,
      empty: '',
    };
    for (const [name, value] of Object.entries(cases)) expect([name, (await get('/api/v1/status', withCookie(value))).status]).toEqual([name, 401]);
  });
});

describe('one-time login link', () => {
  it('sets the cookie and redirects to a clean URL once; the same link is refused the second time', async () => {
    const link = signLoginLink(token, 'mail-0');
    const first = await get(`/dashboard?login=${link}`);
    expect([first.status, first.headers.get('location')]).toEqual([303, '/dashboard']);
    expect(first.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    expect((await get('/api/v1/status', withCookie(cookieOf(first)!))).status).toBe(200);
    const second = await get(`/dashboard?login=${link}`);
    expect(second.status).toBe(401);
    expect(second.headers.get('set-cookie')).toBeNull();
  });

  it('is refused when addressed to another node, expired, or forged', async () => {
    const cases: Record<string, string> = {
      'for mail-1': signLoginLink(token, 'mail-1'),
      expired: signLoginLink(token, 'mail-0', Date.now() - LOGIN_LINK_TTL_MS - 1000),
      'signed with another token': signLoginLink('not-the-admin-token', 'mail-0'),
      'a session value': signSession(token).value,
      garbage: 'AAAA.BBBB',
    };
    for (const [name, link] of Object.entries(cases)) {
      const res = await get(`/dashboard?login=${encodeURIComponent(link)}`);
      expect([name, res.status, res.headers.get('set-cookie')]).toEqual([name, 401, null]);
    }
  });

  it('a link used before the node restarted is still refused after the restart (so is an unused one from before)', async () => {
    const used = signLoginLink(token, 'mail-0');
    const unused = signLoginLink(token, 'mail-0');
    expect((await get(`/dashboard?login=${used}`)).status).toBe(303);
    await c.node('mail-0').stop();
    await c.node('mail-0').start();
    expect((await get(`/dashboard?login=${used}`)).status).toBe(401);
    expect((await get(`/dashboard?login=${unused}`)).status).toBe(401);
    expect((await get(`/dashboard?login=${signLoginLink(token, 'mail-0')}`)).status).toBe(303);
  }, 60_000);

  it('POST /api/v1/dashboard-link with the bearer token gives a working link for this node', async () => {
    const res = await fetch(`${base}/api/v1/dashboard-link`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    const { path } = (await res.json()) as { path: string };
    expect(path).toMatch(/^\/dashboard\?login=/);
    expect((await get(path)).status).toBe(303);
    expect((await get(path)).status).toBe(401);
  });
});

describe('/metrics with admin.metricsToken set', () => {
  it('needs exactly the metrics token', async () => {
    expect((await get('/metrics')).status).toBe(401);
    expect((await get(`/metrics?token=${METRICS_TOKEN}`)).status).toBe(401);
    expect((await get('/metrics', { authorization: `Bearer ${token}` })).status).toBe(401);
    const ok = await get('/metrics', { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/^mailcluster_/m);
    expect((await get('/healthz')).status).toBe(200);
  });
});
