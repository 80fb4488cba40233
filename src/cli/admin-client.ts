/**
 * How CLI verbs reach the cluster: the admin JSON API of any node (design §8), with the admin
 * token. URLs come from `admin.urls` (written by `mailcluster dev`; in Kubernetes the admin
 * Service) and fall back to this host's node on `ports.admin`; the first that answers serves.
 * Failures reaching every URL, and API errors, are thrown as CliError with the API's message.
 *
 * Operators use the CLI when a node is sick: a paused or hung node accepts TCP connections (the
 * kernel does) but never answers, so each URL first gets a `/healthz` probe with a
 * PROBE_TIMEOUT_MS deadline and is skipped when it does not answer in time. Only a node that
 * answered gets the request itself (with the long timeout operations like `move` need), so a
 * request is never sent to two nodes.
 */
import type { z } from 'zod';
import type { Config } from '../config/schema.ts';
import { adminToken } from '../cluster/admin-token.ts';

/** How long a node's admin API has to answer its `/healthz` probe before the next URL is tried. */
export const PROBE_TIMEOUT_MS = 2500;

export class CliError extends Error {
  constructor(message: string, readonly code?: string, readonly status?: number) {
    super(message);
    this.name = 'CliError';
  }
}

export class AdminClient {
  private readonly urls: string[];
  private readonly token: string;
  private working: string | undefined;

  constructor(config: Readonly<Config>, private readonly timeoutMs = 35_000) {
    this.urls = config.admin.urls.length ? config.admin.urls.map((u) => u.replace(/\/+$/, '')) : [`http://127.0.0.1:${config.ports.admin}`];
    try {
      this.token = adminToken(config);
    } catch {
      throw new CliError('no admin token: set MAILCLUSTER_ADMIN_TOKEN (or MAILCLUSTER_CLUSTER_SECRET), or pass --config with a file that has one');
    }
  }

  /** The admin URL that answered last (after a request). */
  get lastUrl(): string | undefined { return this.working; }

  /** GET `path`; the reply must match `schema` (src/cluster/admin-api.ts), else a CliError says so. */
  async get<T>(path: string, schema: z.ZodType<T>): Promise<T> { return checked(path, schema, await this.request('GET', path)); }
  async post<T>(path: string, schema: z.ZodType<T>, body?: unknown): Promise<T> { return checked(path, schema, await this.request('POST', path, body ?? {})); }
  async patch(path: string, body: unknown): Promise<void> { await this.request('PATCH', path, body); }
  async delete(path: string): Promise<void> { await this.request('DELETE', path); }

  /** A streaming GET (server-sent events): resolves to the response once headers arrive. */
  async stream(path: string): Promise<Response> {
    return this.fetchAny(path, { method: 'GET', headers: { ...this.headers(), accept: 'text/event-stream' } }, undefined);
  }

  private headers(): Record<string, string> { return { authorization: `Bearer ${this.token}` }; }

  private async request(method: string, path: string, body?: unknown): Promise<unknown> {
    const init: RequestInit = { method, headers: { ...this.headers(), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) };
    const res = await this.fetchAny(path, init, this.timeoutMs);
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      throw new CliError(`unexpected reply from the admin API (${res.status})`);
    }
    if (!res.ok) {
      const e = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new CliError(e?.message ?? `admin API error ${res.status}`, e?.code, res.status);
    }
    return json;
  }

  /** Tries the last URL that worked, then the others; connection failures move on to the next. */
  private async fetchAny(path: string, init: RequestInit, timeoutMs: number | undefined): Promise<Response> {
    const order = this.working ? [this.working, ...this.urls.filter((u) => u !== this.working)] : this.urls;
    const failures: string[] = [];
    for (const base of order) {
      try {
        if (base !== this.working) await this.probe(base);
        const res = await fetch(`${base}/api/v1${path}`, { ...init, ...(timeoutMs ? { signal: AbortSignal.timeout(timeoutMs) } : {}) });
        this.working = base;
        return res;
      } catch (err) {
        failures.push(`${base}: ${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message}`);
      }
    }
    throw new CliError(`no node's admin API answered (${failures.join('; ')})`);
  }

  /** Resolves once `base` answers `/healthz` (any status); rejects after PROBE_TIMEOUT_MS. */
  private async probe(base: string): Promise<void> {
    try {
      const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      await res.arrayBuffer();
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') throw new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`);
      throw err;
    }
  }
}

function checked<T>(path: string, schema: z.ZodType<T>, json: unknown): T {
  const r = schema.safeParse(json);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
  throw new CliError(`the admin API answered ${path.split('?')[0]} with an unexpected reply (${issue?.message ?? 'invalid'}${where}): is the node running another version of mailcluster?`, 'BAD_REPLY');
}
