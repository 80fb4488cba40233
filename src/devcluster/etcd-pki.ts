/**
 * Certificates for running etcd with TLS and client-certificate authentication (issue 15 item 2):
 * etcd stores the password hashes, so it must never be readable in plaintext or by a process
 * without a client certificate.
 *
 * One CA per etcd (its own, made with createClusterCa: a node certificate of the cluster CA is not
 * an etcd credential, and an etcd credential opens no internal mail port), and two certificates:
 * - the server certificate, used by every member for clients AND peers (server and client use, as
 *   etcd's members dial each other and its gRPC gateway dials its own server);
 * - one client certificate for the nodes and the CLI (client use only).
 *
 * File names follow the Kubernetes Secret keys (ca.crt, tls.crt, tls.key) so a dev data dir and a
 * mounted Secret look alike. Keys are written 0600. The CA key is not kept: a new certificate
 * means a new set (`mailcluster etcd-certs`, or deleting DIR/etcd-pki of a dev cluster).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClusterCa, issue, type Pem } from '../cluster/pki/cluster-ca.ts';

export interface EtcdServerTls {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** What a client of that etcd passes as MAILCLUSTER_ETCD_CA_FILE / _CERT_FILE / _KEY_FILE. */
export type EtcdClientTls = EtcdServerTls;

export interface EtcdPkiFiles { server: EtcdServerTls; client: EtcdClientTls }

export interface EtcdPki { ca: string; server: Pem; client: Pem }

/** Where the files of one set live under `dir`: server/{ca.crt,tls.crt,tls.key}, client/… */
export function etcdPkiFiles(dir: string): EtcdPkiFiles {
  const set = (d: string): EtcdServerTls => ({ caFile: join(dir, d, 'ca.crt'), certFile: join(dir, d, 'tls.crt'), keyFile: join(dir, d, 'tls.key') });
  return { server: set('server'), client: set('client') };
}

/** A new CA with a server certificate for these names and addresses, and a client certificate. */
export async function makeEtcdPki(label: string, server: { dnsNames: readonly string[]; ips: readonly string[] }): Promise<EtcdPki> {
  const ca = await createClusterCa(`${label} etcd`);
  const [first, ...rest] = server.dnsNames;
  const serverCert = await issue(ca, { name: first ?? 'localhost', dnsNames: rest, ips: server.ips, serverAuth: true, clientAuth: true });
  const client = await issue(ca, { name: 'mailcluster-etcd-client', serverAuth: false, clientAuth: true });
  return { ca: ca.cert, server: serverCert, client };
}

/** Writes a set as etcdPkiFiles(dir) names it (keys 0600). */
export function writeEtcdPki(dir: string, pki: EtcdPki): EtcdPkiFiles {
  const files = etcdPkiFiles(dir);
  for (const [set, pem] of [[files.server, pki.server], [files.client, pki.client]] as const) {
    mkdirSync(join(set.caFile, '..'), { recursive: true, mode: 0o700 });
    writeFileSync(set.caFile, pki.ca);
    writeFileSync(set.certFile, pem.cert);
    writeFileSync(set.keyFile, pem.key, { mode: 0o600 });
  }
  return files;
}

/**
 * A loopback etcd's set in `dir` (a dev cluster's DIR/etcd-pki): reused when every file is there
 * (a restarted `mailcluster dev` keeps its etcd), else made anew for localhost and 127.0.0.1.
 */
export async function ensureLocalEtcdPki(dir: string, label: string): Promise<EtcdPkiFiles> {
  const files = etcdPkiFiles(dir);
  const all = [files.server, files.client].flatMap((s) => [s.caFile, s.certFile, s.keyFile]);
  if (all.every((f) => existsSync(f))) return files;
  return writeEtcdPki(dir, await makeEtcdPki(label, { dnsNames: ['localhost'], ips: ['127.0.0.1'] }));
}

/**
 * The names a member of the bundled Kubernetes etcd (StatefulSet `service`, headless Service of
 * the same name) is reached by: etcd-N.etcd, with the namespace, .svc and .svc.cluster.local, the
 * Service itself, and localhost for probes and etcdctl inside the pod.
 */
export function kubernetesEtcdNames(namespace: string, service = 'etcd', replicas = 3): string[] {
  const names = [`${service}`, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
  for (let i = 0; i < replicas; i++) {
    const pod = `${service}-${i}.${service}`;
    names.push(pod, `${pod}.${namespace}`, `${pod}.${namespace}.svc`, `${pod}.${namespace}.svc.cluster.local`);
  }
  return [...names, 'localhost'];
}
