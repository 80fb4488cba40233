/**
 * The CLI checks every admin API reply against the API's own schema (src/cluster/admin-api.ts)
 * before printing: a node of another version, or anything else answering on the admin port,
 * gets a clear error naming the field, never a half-printed table or an `undefined` in it.
 * Real HTTP on loopback; the "node" here is a stand-in that answers what the test says.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient, CliError } from '../../../src/cli/admin-client.ts';
import { clusterStatusSchema, domainListSchema } from '../../../src/cluster/admin-api.ts';
import type { Config } from '../../../src/config/schema.ts';

let reply: unknown;
let server: Server;
let client: AdminClient;
beforeAll(async () => {
  server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(req.url === '/healthz' ? '{}' : JSON.stringify(reply));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = new AdminClient({ admin: { urls: [url], token: 't' }, cluster: {}, ports: {} } as unknown as Config);
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const row = {
  name: 'mail-0', address: '127.0.0.1', pid: 42, host: 'h', role: 'all', controller: true, state: 'active', uptimeSeconds: 3,
  load1: 0.1, cpus: 2, rssBytes: 1, memTotalBytes: 2, diskFreeBytes: 3, diskTotalBytes: 4, open: 0, sessions: {}, queueDepth: 0, version: '0.1.0', ports: { smtp: 25 },
};

describe('admin API replies', () => {
  it('a reply of the expected shape comes back typed', async () => {
    reply = { cluster: 'c', controller: 'mail-0', nodes: [row], openAccounts: 0, queueTakeovers: [], at: 1 };
    expect((await client.get('/status', clusterStatusSchema)).nodes[0]!.pid).toBe(42);
    reply = ['example.test'];
    expect(await client.get('/domains', domainListSchema)).toEqual(['example.test']);
  });

  it.each<[string, unknown, RegExp]>([
    ['a field of the wrong type', { cluster: 'c', controller: null, nodes: [{ ...row, open: 'many' }], openAccounts: 0, queueTakeovers: [], at: 1 }, /unexpected reply .* at nodes\.0\.open/],
    ['a missing field', { cluster: 'c', controller: null, nodes: [], queueTakeovers: [], at: 1 }, /unexpected reply .* at openAccounts/],
    ['an unknown state', { cluster: 'c', controller: null, nodes: [{ ...row, state: 'zombie' }], openAccounts: 0, queueTakeovers: [], at: 1 }, /at nodes\.0\.state/],
    ['something else entirely', 'hello', /unexpected reply/],
  ])('%s is a clear error', async (_what, bad, message) => {
    reply = bad;
    const err = await client.get('/status', clusterStatusSchema).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toMatch(/another version of mailcluster/);
  });
});
