/**
 * etcd in the manifests speaks TLS only, with client-certificate authentication for clients and
 * peers (issue 15 item 2: etcd stores the password hashes). Statically: every etcd URL is https
 * (only the probe's /health + /metrics listener is plain, on a port no NetworkPolicy opens), the
 * certificate flags point into the mounted server Secret, the mail pods' etcd settings point into
 * the mounted client Secret and load as a node config, and the Secrets `mailcluster etcd-certs`
 * prints (as deploy/README.md says) validate, carry the keys the pods read, and hold a server
 * certificate valid for every name the pods and members dial. boot.test.ts runs it all.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Secret } from 'kubernetes-models/v1/Secret';
import { loadConfig } from '../../src/config/loader.ts';
import { MAILCLUSTER_BIN } from '../../src/devcluster/node-process.ts';
import { etcdCommand, etcdContainer, etcdStatefulSet, flags, secretMounts } from './etcd-pods.ts';
import { DEPLOY, find, podEnvOf, render, type K8sObject } from './render.ts';

const objs = render('overlays/test');
const external = render('overlays/external-etcd');
const mailSpec = (os: K8sObject[]): any => (find(os, 'StatefulSet', 'mail') as any).spec.template.spec;
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

interface SecretObj { metadata: { name: string; namespace: string }; type: string; data: Record<string, string> }
function etcdCerts(namespace: string): SecretObj[] {
  const list = JSON.parse(execFileSync(process.execPath, [MAILCLUSTER_BIN, 'etcd-certs', '--namespace', namespace], { encoding: 'utf8' })) as { kind: string; items: SecretObj[] };
  expect(list.kind).toBe('List');
  return list.items;
}
const pem = (s: SecretObj, key: string): string => Buffer.from(s.data[key]!, 'base64').toString('utf8');

describe('etcd TLS in the manifests', () => {
  it('every etcd member listens and advertises https only, and requires client and peer certificates', () => {
    for (let i = 0; i < 3; i++) {
      const f = flags(etcdCommand(objs, `etcd-${i}`));
      for (const k of ['listen-client-urls', 'advertise-client-urls', 'listen-peer-urls', 'initial-advertise-peer-urls']) expect(f.get(k), k).toMatch(/^https:\/\//);
      const peers = f.get('initial-cluster')!.split(',');
      expect(peers).toHaveLength(3);
      for (const p of peers) expect(p).toMatch(/^etcd-\d=https:\/\/etcd-\d\.etcd:2380$/);
      expect(f.get('client-cert-auth')).toBe('');
      expect(f.get('peer-client-cert-auth')).toBe('');
      expect(f.has('auto-tls') || f.has('peer-auto-tls')).toBe(false);
      // the server Secret's files, and nothing else
      const [mount] = secretMounts(etcdStatefulSet(objs).spec.template.spec);
      expect(mount).toMatchObject({ secretName: 'etcd-server-tls', defaultMode: 0o440 });
      for (const [k, file] of [['cert-file', 'tls.crt'], ['key-file', 'tls.key'], ['trusted-ca-file', 'ca.crt'], ['peer-cert-file', 'tls.crt'], ['peer-key-file', 'tls.key'], ['peer-trusted-ca-file', 'ca.crt']]) {
        expect(f.get(k!), k).toBe(`${mount!.mountPath}/${file}`);
      }
      // the one plain listener serves the probe (/health, /metrics: no keys), on a port etcd's NetworkPolicy does not open
      expect(f.get('listen-metrics-urls')).toBe('http://0.0.0.0:2381');
    }
    const c = etcdContainer(objs);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/health', port: 'metrics' });
    expect(c.ports).toContainEqual({ name: 'metrics', containerPort: 2381 });
    const policy = (find(objs, 'NetworkPolicy', 'etcd') as any).spec.ingress as Array<{ ports: Array<{ port: number }> }>;
    expect(policy.flatMap((r) => r.ports.map((p) => p.port)).sort()).toEqual([2379, 2380]);
  });

  it('the mail pods reach etcd over https with the client certificate from the etcd-client-tls Secret', () => {
    for (const os of [objs, external]) {
      const mounts = secretMounts(mailSpec(os));
      const client = mounts.find((m) => m.secretName === 'etcd-client-tls')!;
      expect(client).toMatchObject({ defaultMode: 0o440 });
      expect(mounts.map((m) => m.secretName)).not.toContain('etcd-server-tls');
      const env = podEnvOf(os === objs ? objs : external.concat(find(objs, 'Secret', 'mailcluster-secret')), 'mail-0');
      const config = loadConfig({ env, purpose: 'node' }).etcd;
      expect(config.endpoints.every((e) => e.startsWith('https://'))).toBe(true);
      expect([config.caFile, config.certFile, config.keyFile]).toEqual(['ca.crt', 'tls.crt', 'tls.key'].map((f) => `${client.mountPath}/${f}`));
    }
  });

  it('the node refuses etcd certificate files with plain http:// endpoints, and a certificate without its key', () => {
    const env = podEnvOf(objs, 'mail-0');
    expect(() => loadConfig({ env: { ...env, MAILCLUSTER_ETCD_ENDPOINTS: 'http://etcd-0.etcd:2379' }, purpose: 'node' })).toThrow(/must all be https/);
    expect(() => loadConfig({ env: { ...env, MAILCLUSTER_ETCD_KEY_FILE: '' }, purpose: 'node' })).toThrow(/set both or neither/);
  });

  it('mailcluster etcd-certs (as deploy/README.md says) makes both Secrets, valid for every name the pods dial', async () => {
    expect(readFileSync(join(DEPLOY, 'README.md'), 'utf8')).toContain('node bin/mailcluster.js etcd-certs --namespace <ns> | kubectl apply -f -');
    const secrets = etcdCerts('mailcluster-test');
    expect(secrets.map((s) => [s.metadata.name, s.metadata.namespace, s.type])).toEqual([
      ['etcd-server-tls', 'mailcluster-test', 'kubernetes.io/tls'],
      ['etcd-client-tls', 'mailcluster-test', 'kubernetes.io/tls'],
    ]);
    for (const s of secrets) {
      expect(() => new Secret(s as any).validate()).not.toThrow();
      expect(Object.keys(s.data).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
    }
    const [server, client] = secrets as [SecretObj, SecretObj];
    expect(pem(server, 'ca.crt')).toBe(pem(client, 'ca.crt'));
    const ca = new X509Certificate(pem(server, 'ca.crt'));
    const serverCert = new X509Certificate(pem(server, 'tls.crt'));
    const clientCert = new X509Certificate(pem(client, 'tls.crt'));
    expect(serverCert.verify(ca.publicKey) && clientCert.verify(ca.publicKey)).toBe(true);
    expect(serverCert.checkPrivateKey((await import('node:crypto')).createPrivateKey(pem(server, 'tls.key')))).toBe(true);
    expect(clientCert.checkPrivateKey((await import('node:crypto')).createPrivateKey(pem(client, 'tls.key')))).toBe(true);
    // members dial each other as peers (server and client use); the nodes only as clients
    expect(serverCert.keyUsage).toEqual(expect.arrayContaining([SERVER_AUTH, CLIENT_AUTH]));
    expect(clientCert.keyUsage).toEqual([CLIENT_AUTH]);
    // every host a member advertises or is dialled by, and every endpoint of the mail pods
    const hosts = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const f = flags(etcdCommand(objs, `etcd-${i}`));
      for (const url of [f.get('advertise-client-urls')!, f.get('initial-advertise-peer-urls')!, ...f.get('initial-cluster')!.split(',').map((p) => p.split('=')[1]!)]) hosts.add(new URL(url).hostname);
    }
    for (const e of loadConfig({ env: podEnvOf(objs, 'mail-0'), purpose: 'node' }).etcd.endpoints) hosts.add(new URL(e).hostname);
    expect(hosts.size).toBeGreaterThanOrEqual(6);
    for (const h of hosts) expect(serverCert.checkHost(h), h).toBe(h);
    expect(serverCert.checkHost('etcd-0.etcd.other-namespace.svc')).toBeUndefined();
    expect(serverCert.checkIP('127.0.0.1')).toBe('127.0.0.1');
  });
});
