/**
 * The cluster CA and node certificates on disk (issue 15 item 2), in one directory laid out like
 * the Kubernetes Secret the manifests mount (`mailcluster node-certs`):
 *
 *   ca.crt                the cluster CA's certificate (every node trusts it)
 *   ca.key                the CA's key (0600) — only in a directory made by `init --tls-dir` or
 *                         `mailcluster dev`, never in the Secret: it can make node certificates
 *   <node>.crt <node>.key one node's certificate and key (0600)
 *
 * A node points cluster.caFile / certFile / keyFile at ca.crt and its own pair.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClusterCa, issueNodeCert, type ClusterCa } from './cluster-ca.ts';
import type { NodeTlsFiles } from './node-tls.ts';

/** Where node `node`'s files are in `dir`. */
export function nodePkiFiles(dir: string, node: string): NodeTlsFiles {
  return { caFile: join(dir, 'ca.crt'), certFile: join(dir, `${node}.crt`), keyFile: join(dir, `${node}.key`) };
}

/** The CA in `dir`, made (and written) when there is none. */
export async function ensureClusterCa(dir: string, clusterName: string): Promise<ClusterCa> {
  const cert = join(dir, 'ca.crt');
  const key = join(dir, 'ca.key');
  if (existsSync(cert) && existsSync(key)) return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = await createClusterCa(clusterName);
  writeFileSync(key, ca.key, { mode: 0o600 });
  writeFileSync(cert, ca.cert);
  return ca;
}

/** True when `certFile` exists and was signed by `ca` (a certificate of an older CA is replaced). */
function signedBy(certFile: string, ca: ClusterCa): boolean {
  try {
    return new X509Certificate(readFileSync(certFile)).verify(new X509Certificate(ca.cert).publicKey);
  } catch {
    return false;
  }
}

/**
 * Makes sure `dir` holds a CA and a certificate for every name in `nodes` (issuing the missing
 * ones, keeping the rest); returns each node's files.
 */
export async function ensureNodePki(dir: string, clusterName: string, nodes: readonly string[]): Promise<Map<string, NodeTlsFiles>> {
  const ca = await ensureClusterCa(dir, clusterName);
  const out = new Map<string, NodeTlsFiles>();
  for (const node of nodes) {
    const files = nodePkiFiles(dir, node);
    if (!signedBy(files.certFile, ca) || !existsSync(files.keyFile)) {
      const pem = await issueNodeCert(ca, node);
      writeFileSync(files.keyFile, pem.key, { mode: 0o600 });
      writeFileSync(files.certFile, pem.cert);
    }
    out.set(node, files);
  }
  return out;
}
