/**
 * The RPC listener: HTTPS with mutual TLS (a client needs a node certificate of the cluster CA,
 * src/cluster/pki/node-tls.ts), POST /rpc/<method> with a JSON body, authenticated (a one-time
 * credential for this node, this method and this body, issued by the node whose certificate the
 * connection presented: src/cluster/trust/credentials.ts) and validated (methods.ts). Replies
 * 200 {result} or an error status with {error: {code, message, retryable}}.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { peerNodeName, type NodeTls } from '../pki/node-tls.ts';
import type { Logger } from '../../log/logger.ts';
import { CredentialVerifier, bodyDigest, isTransientRefusal, onLink, type Audience } from '../trust/credentials.ts';
import { AUTH_HEADER } from './client.ts';
import { methods, RpcError, type MethodName, type RequestOf, type ResponseOf } from './methods.ts';
import { BodyTooLargeError, closeHttp, listenHttp, readBody } from '../../util/http.ts';

export type Handlers = { [M in MethodName]: (req: RequestOf<M>) => Promise<ResponseOf<M>> };

const MAX_BODY = 64 * 1024;

export class RpcServer {
  private readonly server: Server;
  private readonly verifier: CredentialVerifier;

  /** `self`: this node's name and current registration, which a credential must name. */
  constructor(secret: string, self: () => Audience, tls: NodeTls, private readonly handlers: Handlers, private readonly log: Logger) {
    this.verifier = new CredentialVerifier(secret, self);
    this.server = createServer(tls.serverOptions(), (req, res) => void this.handle(req, res));
    this.server.on('tlsClientError', (err) => this.log.debug({ err }, 'rpc TLS handshake refused'));
    this.server.keepAliveTimeout = 60_000;
  }

  /** Listens; resolves with the bound port (useful with port 0). */
  listen(port: number, host: string): Promise<number> {
    return listenHttp(this.server, port, host);
  }

  close(): Promise<void> {
    return closeHttp(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? '';
    const name = path.startsWith('/rpc/') ? path.slice(5) : '';
    try {
      if (req.method !== 'POST' || !Object.hasOwn(methods, name)) throw new RpcError('NOT_FOUND', 'no such method', false);
      const body = await readBody(req, MAX_BODY).catch((err: unknown) => {
        throw err instanceof BodyTooLargeError ? new RpcError('BAD_REQUEST', 'body too large', false) : err;
      });
      const method = name as MethodName;
      const verdict = onLink(this.verifier.verify(req.headers[AUTH_HEADER] as string | undefined, `rpc:${method}`, bodyDigest(body)), peerNodeName(req.socket as TLSSocket));
      if (!verdict.ok) {
        this.log.warn({ method, reason: verdict.reason }, 'rpc credential refused');
        throw new RpcError('UNAUTHENTICATED', verdict.reason, isTransientRefusal(verdict.reason));
      }
      let json: unknown;
      try {
        json = JSON.parse(body || '{}');
      } catch {
        throw new RpcError('BAD_REQUEST', 'body is not JSON', false); // not retryable: resending will not help
      }
      const parsed = methods[method].request.safeParse(json);
      if (!parsed.success) throw new RpcError('BAD_REQUEST', parsed.error.issues.map((i) => i.message).join('; '), false);
      const handler = this.handlers[method] as (r: unknown) => Promise<unknown>;
      const result = methods[method].response.parse(await handler(parsed.data));
      send(res, 200, { result });
    } catch (err) {
      const e = err instanceof RpcError ? err : new RpcError('INTERNAL', 'internal error', true);
      if (!(err instanceof RpcError)) this.log.error({ err, method: name }, 'rpc handler failed');
      const status = { NOT_FOUND: 404, UNAUTHENTICATED: 401, BAD_REQUEST: 400 }[e.code] ?? (e.retryable ? 503 : 409);
      send(res, status, { error: e.toBody() });
    }
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
