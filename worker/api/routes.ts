/**
 * The admin JSON API (design §8), under /api/v1, every route behind the admin bearer token
 * (`Authorization: Bearer <token>`; never in the URL). GET routes also accept the dashboard's
 * session cookie (admin.ts, session.ts): that is how EventSource, which cannot set headers, reads
 * /events/stream. Bodies and parameters are validated with zod; errors are `{ error: { code, message } }`
 * with a meaningful status (400 input, 401 token, 404 missing, 409 conflict, 503 cluster busy).
 *
 *   GET    /status                      cluster table (nodes, controller, open accounts)
 *   GET    /placement                   every open account and its holder
 *   GET    /accounts/:account/where     holder of one account
 *   POST   /accounts/:account/move      { to?: node }  controller moves it
 *   POST   /nodes/:node/drain | /undrain
 *   DELETE /nodes/:node                 forget an unreachable node
 *   POST   /controller/step-down        planned failover
 *   GET    /queues   GET /queues/:node   POST /queues/:node/flush
 *   GET    /events?limit=N              recent events;  GET /events/stream  server-sent events
 *   GET|POST /domains   DELETE /domains/:domain?force=1
 *   GET|POST /accounts  GET|PATCH|DELETE /accounts/:account
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { DirectoryError, type AccountDirectory, type AccountEntry } from '../../src/accounts/directory.ts';
import type { EventLog } from '../../src/cluster/events.ts';
import { NODE_NAME } from '../../src/config/schema.ts';
import { ApiError, type ClusterOps } from './ops.ts';
import { streamEvents } from './sse.ts';

export interface ApiContext { ops: ClusterOps; directory: AccountDirectory; events: EventLog }
interface Req { params: Record<string, string>; query: URLSearchParams; body: unknown; raw: IncomingMessage; res: ServerResponse }
type Handler = (ctx: ApiContext, req: Req) => Promise<unknown> | unknown;

const node = (s: string): string => {
  if (!NODE_NAME.test(s)) throw new ApiError(400, 'BAD_NODE', `not a node name: ${s}`);
  return s;
};
const body = <T>(schema: z.ZodType<T>, v: unknown): T => {
  const r = schema.safeParse(v ?? {});
  if (!r.success) throw new ApiError(400, 'BAD_REQUEST', r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return r.data;
};
const publicAccount = ({ passwordHash: _h, ...rest }: AccountEntry): Omit<AccountEntry, 'passwordHash'> => rest;

const ROUTES: Array<[string, string, Handler]> = [
  ['GET', '/status', (c) => c.ops.status()],
  ['GET', '/placement', (c) => c.ops.placement()],
  ['GET', '/accounts/:account/where', (c, r) => c.ops.where(r.params.account!)],
  ['POST', '/accounts/:account/move', (c, r) => c.ops.move(r.params.account!, body(z.object({ to: z.string().regex(NODE_NAME).optional() }), r.body).to)],
  ['POST', '/nodes/:node/drain', (c, r) => c.ops.setDrain(node(r.params.node!), true)],
  ['POST', '/nodes/:node/undrain', (c, r) => c.ops.setDrain(node(r.params.node!), false)],
  ['DELETE', '/nodes/:node', async (c, r) => (await c.ops.forget(node(r.params.node!)), { forgotten: r.params.node })],
  ['POST', '/controller/step-down', (c) => c.ops.stepDown()],
  ['GET', '/queues', (c) => c.ops.queues()],
  ['GET', '/queues/:node', (c, r) => c.ops.queue(node(r.params.node!))],
  ['POST', '/queues/:node/flush', (c, r) => c.ops.flush(node(r.params.node!))],
  ['GET', '/events', async (c, r) => (await c.events.recent(Math.min(500, Math.max(1, Number(r.query.get('limit') ?? 100) || 100)))).events],
  ['GET', '/events/stream', (c, r) => streamEvents(c.events, r.raw, r.res, Number(r.query.get('history') ?? 50) || 0)],
  ['GET', '/domains', (c) => c.directory.listDomains()],
  ['POST', '/domains', async (c, r) => ({ domain: await c.directory.addDomain(body(z.object({ domain: z.string().min(1).max(253) }), r.body).domain) })],
  ['DELETE', '/domains/:domain', async (c, r) => (await c.directory.deleteDomain(r.params.domain!, r.query.get('force') === '1'), { deleted: r.params.domain })],
  ['GET', '/accounts', async (c, r) => (await c.directory.listAccounts(r.query.get('domain') ?? undefined)).map(publicAccount)],
  [
    'POST',
    '/accounts',
    async (c, r) => {
      const b = body(z.object({ address: z.string().min(3).max(320), password: z.string().min(8, 'must have at least 8 characters').max(1024), quotaBytes: z.number().int().min(0).default(0) }), r.body);
      return { address: await c.directory.addAccount(b.address, b.password, b.quotaBytes) };
    },
  ],
  [
    'GET',
    '/accounts/:account',
    async (c, r) => {
      const a = await c.directory.getAccount(r.params.account!);
      if (!a) throw new ApiError(404, 'NO_SUCH_ACCOUNT', `no account ${r.params.account}`);
      return publicAccount(a);
    },
  ],
  [
    'PATCH',
    '/accounts/:account',
    async (c, r) => {
      const change = body(z.object({ password: z.string().min(8, 'must have at least 8 characters').max(1024).optional(), quotaBytes: z.number().int().min(0).optional(), enabled: z.boolean().optional() }).strict(), r.body);
      await c.directory.updateAccount(r.params.account!, change);
      return { updated: r.params.account };
    },
  ],
  ['DELETE', '/accounts/:account', async (c, r) => (await c.directory.deleteAccount(r.params.account!), { deleted: r.params.account })],
];

const COMPILED = ROUTES.map(([method, path, handler]) => {
  const names: string[] = [];
  const re = new RegExp(`^/api/v1${path.replace(/:([a-z]+)/g, (_, n: string) => (names.push(n), '([^/]+)'))}$`);
  return { method, re, names, handler };
});

/** Finds the route; `undefined` = no such path, `'method'` = path exists with another method. */
export function matchRoute(method: string, path: string): { handler: Handler; params: Record<string, string> } | 'method' | undefined {
  let pathMatched = false;
  for (const r of COMPILED) {
    const m = r.re.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (r.method !== method) continue;
    let params: Record<string, string>;
    try {
      params = Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
    } catch {
      throw new ApiError(400, 'BAD_REQUEST', 'malformed path');
    }
    return { handler: r.handler, params };
  }
  return pathMatched ? 'method' : undefined;
}

/** Maps a thrown error to an HTTP status and body. */
export function errorReply(err: unknown): { status: number; code: string; message: string } {
  if (err instanceof ApiError) return { status: err.status, code: err.code, message: err.message };
  if (err instanceof DirectoryError) return { status: err.code.startsWith('NO_SUCH') ? 404 : 409, code: err.code, message: err.message };
  if (err instanceof Error && err.name === 'AccountNameError') return { status: 400, code: 'BAD_ACCOUNT', message: err.message };
  return { status: 500, code: 'INTERNAL', message: 'internal error (see the node log)' };
}

export type { Handler, Req };
