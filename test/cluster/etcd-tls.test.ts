/**
 * etcd holds the password hashes (accounts/…), so it runs with TLS and client-certificate
 * authentication (issue 15 item 2). From an attacker's side, against the real etcd of a real
 * 2-node cluster: a plain gRPC client, a plain HTTP request to etcd's JSON gateway, a TLS client
 * that trusts the CA but has no client certificate, and one with a certificate from another CA all
 * fail to read `accounts/`; the holder of the client certificate reads it (so the failures are
 * the TLS policy, not a wrong key), and the nodes, which read the hashes through TLS, still log
 * users in.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { Etcd3, type IOptions } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountDirectory } from '../../src/accounts/directory.ts';
import { makeEtcdPki } from '../../src/devcluster/etcd-pki.ts';
import { startTestCluster, type TestCluster } from '../harness/cluster.ts';
import { Pop3Client } from '../harness/pop3.ts';

let c: TestCluster;
const PASSWORD = 'correct horse battery 1';

beforeAll(async () => {
  c = await startTestCluster({ nodes: 2 });
  const dir = new AccountDirectory(c.etcd, c.keys);
  await dir.addDomain('example.test');
  await dir.addAccount('alice@example.test', PASSWORD);
}, 90_000);

afterAll(async () => {
  await c?.stop();
});

const endpoint = (): URL => new URL(c.local.etcdEndpoints[0]!);
const accountsPrefix = (): string => `${c.keys.prefix}accounts/`;

/** Reads every key under accounts/ with this client (a 2 s deadline); the client is closed after. */
async function readAccounts(client: Etcd3): Promise<string[]> {
  try {
    return await client.getAll().prefix(accountsPrefix()).options({ deadline: Date.now() + 2000 }).keys();
  } finally {
    client.close();
  }
}

function attacker(hosts: string, credentials?: IOptions['credentials']): Etcd3 {
  return new Etcd3({ hosts, dialTimeout: 1000, ...(credentials ? { credentials } : {}) });
}

/** etcd's JSON gateway range request for accounts/ as an HTTP body. */
function rangeBody(): string {
  const key = accountsPrefix();
  const end = key.slice(0, -1) + String.fromCharCode(key.charCodeAt(key.length - 1) + 1);
  return JSON.stringify({ key: Buffer.from(key).toString('base64'), range_end: Buffer.from(end).toString('base64') });
}

async function pop3Login(node: string): Promise<string> {
  const { client } = await Pop3Client.open(Number(c.node(node).env.MAILCLUSTER_PORTS_POP3));
  try {
    return await client.login('alice@example.test', PASSWORD);
  } finally {
    client.close();
  }
}

describe('etcd with TLS and client-certificate authentication', () => {
  it('the nodes are configured for TLS etcd, and the client certificate reads accounts/', async () => {
    expect(endpoint().protocol).toBe('https:');
    expect(c.node('mail-0').env.MAILCLUSTER_ETCD_CERT_FILE).toBe(c.local.etcdPki!.client.certFile);
    expect(await readAccounts(c.local.etcd.client(1000))).toEqual([`${accountsPrefix()}example.test/alice`]);
  });

  it('a plain gRPC client cannot read accounts/', async () => {
    await expect(readAccounts(attacker(`http://${endpoint().host}`))).rejects.toThrow();
  });

  it('a plain HTTP request to the JSON gateway gets no data', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const req = httpRequest({ host: endpoint().hostname, port: endpoint().port, path: '/v3/kv/range', method: 'POST', timeout: 3000 }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve(`HTTP ${res.statusCode} ${body}`));
      });
      req.on('error', (err) => resolve(`error ${(err as NodeJS.ErrnoException).code ?? err.message}`));
      req.end(rangeBody());
    });
    // etcd 3.4 hangs up; a Go TLS listener may instead answer 400 "HTTP request to an HTTPS server"
    expect(outcome).toMatch(/^(error |HTTP 400 )/);
    expect(outcome).not.toMatch(/kvs|passwordHash/);
  });

  it('a TLS client that trusts the CA but has no client certificate cannot read accounts/', async () => {
    const ca = readFileSync(c.local.etcdPki!.client.caFile);
    await expect(readAccounts(attacker(endpoint().href, { rootCertificate: ca }))).rejects.toThrow();
    // the same over HTTPS to the gateway: the handshake is refused, no response at all
    const outcome = await new Promise<string>((resolve) => {
      const req = httpsRequest({ host: endpoint().hostname, port: endpoint().port, path: '/v3/kv/range', method: 'POST', ca, servername: 'localhost', timeout: 3000 }, (res) => resolve(`HTTP ${res.statusCode}`));
      req.on('error', (err) => resolve(`error ${(err as NodeJS.ErrnoException).code ?? err.message}`));
      req.end(rangeBody());
    });
    expect(outcome).toMatch(/^error /);
  });

  it('a client certificate from another CA cannot read accounts/', async () => {
    const other = await makeEtcdPki('attacker', { dnsNames: ['localhost'], ips: ['127.0.0.1'] });
    const ca = readFileSync(c.local.etcdPki!.client.caFile);
    const creds = { rootCertificate: ca, certChain: Buffer.from(other.client.cert), privateKey: Buffer.from(other.client.key) };
    await expect(readAccounts(attacker(endpoint().href, creds))).rejects.toThrow();
  });

  it('the nodes still read the hashes through TLS: a POP3 login works on every node', async () => {
    for (const n of ['mail-0', 'mail-1']) expect(await pop3Login(n)).toMatch(/^\+OK/);
  });
});
