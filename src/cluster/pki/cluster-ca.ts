/**
 * The cluster's own certificate authority (issue 15 item 2): one CA per cluster, created beside
 * the cluster secret by `mailcluster init` (or by `mailcluster dev` for a local cluster), and the
 * certificates it issues:
 *
 * - a node certificate per node name: subject CN = the node name, a DNS SAN = the node name (and
 *   any extra names and IPs given), extended key usage serverAuth AND clientAuth, because every
 *   node both accepts and opens internal links (LMTP, peer logins, RPC) and checks the peer's
 *   name on both sides;
 * - etcd server and client certificates, so etcd can run with TLS and client-certificate
 *   authentication.
 *
 * Keys are EC P-256, signatures SHA-256. Everything is PEM. Nothing here touches the disk: the
 * caller decides where the PEMs live (files with mode 0600, a Kubernetes Secret).
 *
 * Contract: `issue` never returns a certificate that the same CA would not verify; a node name
 * must be a DNS label-ish name (validated by `assertNodeName`), so it can be compared exactly
 * against the certificate's SAN when a peer connects.
 */
import { X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';
import { systemClock } from '../../util/clock.ts';

export interface Pem { key: string; cert: string }

export interface ClusterCa extends Pem {}

/** How long issued certificates and the CA stay valid. Rotation is by re-running init/issue. */
export const CA_VALIDITY_DAYS = 3650;
export const CERT_VALIDITY_DAYS = 825;

const NODE_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Throws unless `name` can be a certificate DNS name compared exactly (lower case, no wildcard). */
export function assertNodeName(name: string): void {
  if (!NODE_NAME.test(name) || name.length > 253) throw new Error(`not a valid node name for a certificate: ${JSON.stringify(name)}`);
}

function days(n: number, from = new Date(systemClock.now())): Date {
  return new Date(from.getTime() + n * 86_400_000);
}

/** A new self-signed CA for one cluster; `clusterName` only labels it. */
export async function createClusterCa(clusterName = 'mailcluster'): Promise<ClusterCa> {
  const pems = await generate([{ name: 'commonName', value: `${clusterName} cluster CA` }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: days(CA_VALIDITY_DAYS),
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

export interface IssueOptions {
  /** The CN and first DNS SAN: a node name, `etcd`, or a client identity such as `root`. */
  name: string;
  /** Further DNS names (e.g. a StatefulSet pod's `mail-0.mail.ns.svc`). */
  dnsNames?: readonly string[];
  /** IP SANs (e.g. 127.0.0.1 for a dev cluster). */
  ips?: readonly string[];
  serverAuth?: boolean;
  clientAuth?: boolean;
}

/** A certificate signed by `ca` with its own new key. */
export async function issue(ca: ClusterCa, o: IssueOptions): Promise<Pem> {
  assertNodeName(o.name);
  for (const n of o.dnsNames ?? []) assertNodeName(n);
  const altNames = [
    { type: 2 as const, value: o.name },
    ...(o.dnsNames ?? []).filter((n) => n !== o.name).map((value) => ({ type: 2 as const, value })),
    ...(o.ips ?? []).map((ip) => ({ type: 7 as const, ip })),
  ];
  const pems = await generate([{ name: 'commonName', value: o.name }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: days(CERT_VALIDITY_DAYS),
    ca: { key: ca.key, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: o.serverAuth ?? true, clientAuth: o.clientAuth ?? true },
      { name: 'subjectAltName', altNames },
    ],
  });
  const out = { key: pems.private, cert: pems.cert };
  if (!new X509Certificate(out.cert).verify(new X509Certificate(ca.cert).publicKey)) throw new Error('issued certificate does not verify against its CA');
  return out;
}

/** A node's certificate: server and client use, named for the node (plus loopback for dev). */
export function issueNodeCert(ca: ClusterCa, node: string, extra: Omit<IssueOptions, 'name'> = {}): Promise<Pem> {
  return issue(ca, { ...extra, name: node, serverAuth: true, clientAuth: true });
}
