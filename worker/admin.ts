/**
 * The node's HTTP admin listener (design §8):
 *   /healthz   the process is up (no checks: a liveness probe must not fail on etcd trouble)
 *   /readyz    registered with a live lease, cluster view loaded, storage writable (503 otherwise)
 *   /metrics   Prometheus text format; with `admin.metricsToken` set, only with
 *              `Authorization: Bearer <metricsToken>` (401 otherwise)
 *   /api/v1/…  the admin JSON API (routes.ts), behind the admin token, which is accepted only in
 *              `Authorization: Bearer` (never in the URL, where it lands in logs and history);
 *              GET routes also take a dashboard session cookie (api/session.ts)
 *   /api/session, /dashboard?login=…  dashboard sessions (api/session.ts);
 *   POST /api/v1/dashboard-link  a one-time login link to this node's dashboard
 *   /dashboard the live cluster page (static; it calls the API with its session cookie)
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from '../src/log/logger.ts';
import { tokenMatches } from '../src/cluster/admin-token.ts';
import { BodyTooLargeError, closeHttp, listenHttp, readBody } from '../src/util/http.ts';
import { errorReply, matchRoute, type ApiContext } from './api/routes.ts';
import { STREAM_HANDLED } from './api/sse.ts';
import { dashboardHtml } from './dashboard/page.ts';
import { DashboardSessions } from './api/session.ts';
import { LOGIN_LINK_TTL_MS, signLoginLink } from '../src/cluster/admin-session.ts';
import type { DashboardLink } from '../src/cluster/admin-api.ts';

export interface ReadinessProbe { (): { ready: boolean; checks: Record<string, boolean> } }

export interface AdminOptions {
  readiness: ReadinessProbe;
  metrics?: Registry;
  api?: ApiContext;
  token?: string;
  /** This node's name: the one login links must be addressed to. */
  node?: string;
  /** When set, /metrics needs this bearer token. */
  metricsToken?: string;
  log?: Logger;
  now?: () => number;
}

const UNAUTHORIZED = { error: { code: 'UNAUTHORIZED', message: 'admin token missing or wrong (send it as Authorization: Bearer <token>)' } };

function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
}

const MAX_BODY = 64 * 1024;

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(`${JSON.stringify(value)}\n`);
}

/** The JSON body of an API request (undefined when empty); errors carry the HTTP status. */
async function readJson(req: IncomingMessage): Promise<unknown> {
  let text: string;
  try {
    text = await readBody(req, MAX_BODY);
  } catch (err) {
    throw err instanceof BodyTooLargeError ? Object.assign(new Error('body too large'), { status: 413 }) : err;
  }
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw Object.assign(new Error('body is not JSON'), { status: 400 });
  }
}

export class AdminServer {
  private readonly server: Server;
  private readonly sessions: DashboardSessions | undefined;

  constructor(private readonly o: AdminOptions) {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.sessions = o.token ? new DashboardSessions(o.token, o.node ?? '', o.now) : undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://admin');
    const path = url.pathname;
    const { metrics } = this.o;
    if (req.method === 'GET' && path === '/metrics' && metrics) {
      if (this.o.metricsToken && !tokenMatches(this.o.metricsToken, bearer(req))) {
        res.setHeader('www-authenticate', 'Bearer realm="mailcluster metrics"');
        return json(res, 401, { error: { code: 'UNAUTHORIZED', message: 'metrics token missing or wrong' } });
      }
      metrics.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    } else if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (req.method === 'GET' && path === '/readyz') {
      const r = this.o.readiness();
      json(res, r.ready ? 200 : 503, r);
    } else if (req.method === 'GET' && (path === '/' || path === '/dashboard')) {
      const login = url.searchParams.get('login');
      if (path === '/') res.writeHead(302, { location: '/dashboard' }).end();
      else if (login !== null && this.sessions) this.sessions.login(login, req, res);
      else res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' }).end(dashboardHtml);
    } else if (path === '/api/session' && this.sessions && (req.method === 'POST' || req.method === 'DELETE')) {
      if (req.method === 'DELETE') return this.sessions.end(req, res);
      if (!tokenMatches(this.o.token!, bearer(req))) return this.unauthorized(res);
      this.sessions.start(req, res);
    } else if (path.startsWith('/api/')) {
      await this.api(req, res, url);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  }

  private async api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const { api, token } = this.o;
    if (!api || !token) return json(res, 404, { error: { code: 'NO_API', message: 'the admin API is not enabled on this node' } });
    // the bearer token for everything; the dashboard's session cookie for reading only
    const allowed = tokenMatches(token, bearer(req)) || (req.method === 'GET' && this.sessions!.hasSession(req));
    if (!allowed) return this.unauthorized(res);
    if (url.pathname === '/api/v1/dashboard-link' && req.method === 'POST') {
      // a one-time login link for this node's dashboard (`mailcluster dashboard` prints it)
      const link: DashboardLink = { path: `/dashboard?login=${signLoginLink(token, this.o.node ?? '', (this.o.now ?? Date.now)())}`, expiresInSeconds: LOGIN_LINK_TTL_MS / 1000 };
      return json(res, 200, link);
    }
    try {
      const route = matchRoute(req.method ?? 'GET', url.pathname);
      if (route === undefined) return json(res, 404, { error: { code: 'NOT_FOUND', message: `no route ${url.pathname}` } });
      if (route === 'method') return json(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: `${req.method} not allowed on ${url.pathname}` } });
      const body = req.method === 'GET' || req.method === 'DELETE' ? undefined : await readJson(req);
      const result = await route.handler(api, { params: route.params, query: url.searchParams, body, raw: req, res });
      if (result !== STREAM_HANDLED) json(res, 200, result);
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 413 || status === 400) return json(res, status, { error: { code: status === 413 ? 'TOO_LARGE' : 'BAD_REQUEST', message: (err as Error).message } });
      const e = errorReply(err);
      if (e.status === 500) this.o.log?.error({ err, path: url.pathname }, 'admin API request failed');
      if (!res.headersSent) json(res, e.status, { error: { code: e.code, message: e.message } });
      else res.end();
    }
  }

  private unauthorized(res: ServerResponse): void {
    res.setHeader('www-authenticate', 'Bearer realm="mailcluster"');
    json(res, 401, UNAUTHORIZED);
  }

  listen(port: number, host: string): Promise<number> {
    return listenHttp(this.server, port, host);
  }

  close(): Promise<void> {
    return closeHttp(this.server);
  }
}
