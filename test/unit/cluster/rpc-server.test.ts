/**
 * The RPC listener refuses bad requests clearly and for good (non-retryable 4xx), so a peer never
 * retries them: unsigned, signed but not JSON, signed JSON that fails the method's schema,
 * unknown method, oversized body. A good request gets its result. A credential for this node's
 * previous registration (the caller's view lags) is refused as retryable: a fresh one will do. A
 * credential issued by another node than the one whose certificate the link presents is refused.
 */
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log/logger.ts';
import { AUTH_HEADER } from '../../../src/cluster/rpc/client.ts';
import { bodyDigest, mintCredential } from '../../../src/cluster/trust/credentials.ts';
import { RpcServer, type Handlers } from '../../../src/cluster/rpc/server.ts';
import { createClusterCa, issueNodeCert } from '../../../src/cluster/pki/cluster-ca.ts';
import { NodeTls } from '../../../src/cluster/pki/node-tls.ts';

const SECRET = 's'.repeat(40);
const SELF = { node: 'mail-0', lease: '42' };
let server: RpcServer;
let port: number;
/** The caller's link: mail-1's certificate. */
let caller: NodeTls;

beforeAll(async () => {
  const ca = await createClusterCa('test');
  const tlsOf = async (node: string): Promise<NodeTls> => new NodeTls(node, { ca: ca.cert, ...(await issueNodeCert(ca, node)) });
  caller = await tlsOf('mail-1');
  const handlers = { status: async () => ({ node: 'mail-0', serving: true, leading: false, lease: '1', held: [] }) } as unknown as Handlers;
  server = new RpcServer(SECRET, () => SELF, await tlsOf('mail-0'), handlers, silentLogger);
  port = await server.listen(0, '127.0.0.1');
});
afterAll(() => server.close());

type Reply = { status: number; json: { error?: { code: string; retryable: boolean }; result?: unknown } };

async function post(path: string, body: string, signed: boolean | { lease?: string; issuer?: string } = true): Promise<Reply> {
  const o = typeof signed === 'object' ? signed : {};
  const headers: Record<string, string> = signed ? { [AUTH_HEADER]: mintCredential(SECRET, { issuer: o.issuer ?? 'mail-1', audience: { ...SELF, ...(o.lease ? { lease: o.lease } : {}) }, purpose: `rpc:${path.slice(5)}`, subject: bodyDigest(body) }) } : {};
  return new Promise((resolve, reject) => {
    const req = request({ ...caller.clientOptions('mail-0'), host: '127.0.0.1', port, method: 'POST', path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Reply['json'] }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('RpcServer', () => {
  it('answers a signed, valid request', async () => {
    const r = await post('/rpc/status', '{}');
    expect(r).toMatchObject({ status: 200, json: { result: { node: 'mail-0' } } });
  });

  it('refuses bad requests with non-retryable errors', async () => {
    expect(await post('/rpc/status', '{}', false)).toMatchObject({ status: 401, json: { error: { code: 'UNAUTHENTICATED', retryable: false } } });
    expect(await post('/rpc/status', '{}', { lease: '41' })).toMatchObject({ status: 401, json: { error: { code: 'UNAUTHENTICATED', retryable: true } } });
    expect(await post('/rpc/status', '{}', { issuer: 'mail-2' })).toMatchObject({ status: 401, json: { error: { code: 'UNAUTHENTICATED', retryable: false } } });
    expect(await post('/rpc/status', '{not json')).toMatchObject({ status: 400, json: { error: { code: 'BAD_REQUEST', retryable: false } } });
    expect(await post('/rpc/open', JSON.stringify({ account: 1 }))).toMatchObject({ status: 400, json: { error: { code: 'BAD_REQUEST', retryable: false } } });
    expect(await post('/rpc/nosuch', '{}')).toMatchObject({ status: 404, json: { error: { code: 'NOT_FOUND', retryable: false } } });
    const big = JSON.stringify({ pad: 'x'.repeat(70 * 1024) });
    const r = await post('/rpc/status', big).catch(() => undefined); // the server may drop the upload
    if (r) expect(r).toMatchObject({ status: 400, json: { error: { code: 'BAD_REQUEST' } } });
  });
});
