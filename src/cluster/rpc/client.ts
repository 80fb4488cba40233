/**
 * RPC client: signs (a one-time credential addressed to the target node under its registration,
 * src/cluster/trust/credentials.ts), sends over mutual TLS (this node's certificate; the server's
 * must be the cluster CA's for the target node's name, node-tls.ts) and validates one call. Fails
 * with RpcError: the remote's error, or UNREACHABLE / TIMEOUT (both retryable) when the peer
 * cannot answer within `timeoutMs` — a TLS handshake refused either way is UNREACHABLE too.
 */
import { Agent, request } from 'node:https';
import type { NodeTls } from '../pki/node-tls.ts';
import { bodyDigest, mintCredential } from '../trust/credentials.ts';
import type { PeerEndpoint } from '../trust/endpoints.ts';
import { methods, RpcError, rpcErrorSchema, type MethodName, type RequestOf, type ResponseOf } from './methods.ts';

/** The header carrying an RPC's credential. */
export const AUTH_HEADER = 'x-mailcluster-auth';

export type Endpoint = PeerEndpoint;

export class RpcClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });

  /** `issuer`: this node's name, which every credential it sends names (and its certificate's). */
  constructor(private readonly secret: string, private readonly issuer: string, private readonly tls: NodeTls) {}

  call<M extends MethodName>(to: Endpoint, method: M, req: RequestOf<M>, timeoutMs: number): Promise<ResponseOf<M>> {
    const path = `/rpc/${method}`;
    const body = JSON.stringify(req);
    return new Promise((resolve, reject) => {
      const r = request(
        {
          host: to.host,
          port: to.port,
          method: 'POST',
          path,
          agent: this.agent,
          ...this.tls.clientOptions(to.node),
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            [AUTH_HEADER]: mintCredential(this.secret, { issuer: this.issuer, audience: to, purpose: `rpc:${method}`, subject: bodyDigest(body) }),
          },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) => reject(new RpcError('UNREACHABLE', err.message, true)));
          res.on('end', () => {
            clearTimeout(deadline);
            try {
              const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { result?: unknown; error?: unknown };
              if (res.statusCode === 200) return resolve(methods[method].response.parse(parsed.result) as ResponseOf<M>);
              const e = rpcErrorSchema.parse(parsed.error);
              reject(new RpcError(e.code, e.message, e.retryable));
            } catch {
              reject(new RpcError('BAD_RESPONSE', `invalid reply from ${to.host}:${to.port}`, true));
            }
          });
        },
      );
      const deadline = setTimeout(() => r.destroy(new RpcError('TIMEOUT', `${method} timed out`, true)), timeoutMs);
      r.on('error', (err) => {
        clearTimeout(deadline);
        reject(err instanceof RpcError ? err : new RpcError('UNREACHABLE', err.message, true));
      });
      r.end(body);
    });
  }

  close(): void { this.agent.destroy(); }
}
