import { describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { createServer, connect, type TLSSocket } from 'node:tls';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { assertNodeName, createClusterCa, issueNodeCert } from '../../../src/cluster/pki/cluster-ca.ts';

describe('cluster CA', () => {
  it('issues node certificates that verify against their CA and not against another', async () => {
    const ca = await createClusterCa('test');
    const other = await createClusterCa('other');
    const node = await issueNodeCert(ca, 'mail-1', { ips: ['127.0.0.1'] });
    const cert = new X509Certificate(node.cert);
    expect(cert.verify(new X509Certificate(ca.cert).publicKey)).toBe(true);
    expect(cert.verify(new X509Certificate(other.cert).publicKey)).toBe(false);
    expect(cert.checkHost('mail-1')).toBe('mail-1');
    expect(cert.checkHost('mail-2')).toBeUndefined();
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(new X509Certificate(ca.cert).ca).toBe(true);
    expect(cert.ca).toBe(false);
  });

  it('completes mutual TLS only between holders of certificates from the same CA', async () => {
    const ca = await createClusterCa();
    const [a, b] = await Promise.all([issueNodeCert(ca, 'mail-0'), issueNodeCert(ca, 'mail-1')]);
    const stranger = await issueNodeCert(await createClusterCa(), 'mail-1');
    const server = createServer({ ...a, ca: ca.cert, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' }, (s) => s.end('hi'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    const tryWith = (pem: { key: string; cert: string }): Promise<string> =>
      new Promise((resolve) => {
        const s: TLSSocket = connect({ port, host: '127.0.0.1', ...pem, ca: ca.cert, servername: 'mail-0', checkServerIdentity: () => undefined });
        let got = '';
        s.on('data', (d) => (got += d));
        s.on('end', () => resolve(got));
        s.on('error', (e) => resolve(`error: ${e.message}`));
      });
    expect(await tryWith(b)).toBe('hi');
    expect(await tryWith(stranger)).toMatch(/^error|^$/);
    server.close();
  });

  it('refuses names that cannot be compared exactly', () => {
    for (const bad of ['', 'Mail-0', '*.x', 'a b', '-a', 'a..b']) expect(() => assertNodeName(bad)).toThrow();
    expect(() => assertNodeName('mail-0.mail.default.svc')).not.toThrow();
  });
});
