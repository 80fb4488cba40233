/**
 * The cluster CA and node certificates for the internal links (issue 15 item 2):
 *
 * - `mailcluster init --tls-dir DIR --nodes mail-0,mail-1` writes them as files (node-pki.ts: the
 *   CA with its key, so `init` run again adds certificates for new names under the same CA);
 * - `mailcluster node-certs --namespace NS --replicas N` prints the Kubernetes Secret
 *   `mailcluster-node-tls` the StatefulSet mounts (ca.crt and mail-N.crt / mail-N.key for every
 *   pod). The CA key is not printed: more replicas means a new set (run it again with the new
 *   count, apply, restart the pods). The output holds private keys: pipe it to kubectl.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureNodePki } from '../../cluster/pki/node-pki.ts';
import { assertNodeName } from '../../cluster/pki/cluster-ca.ts';

/** The Secret the StatefulSet mounts at /etc/mailcluster/node-tls. */
export const NODE_TLS_SECRET = 'mailcluster-node-tls';

export interface NodeCertsOptions { namespace: string; statefulset: string; replicas: number; cluster: string }

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** The pod names of a StatefulSet: <name>-0 … <name>-(replicas-1). */
export function podNames(statefulset: string, replicas: number): string[] {
  return Array.from({ length: replicas }, (_, i) => `${statefulset}-${i}`);
}

export async function nodeTlsSecret(o: NodeCertsOptions): Promise<{ apiVersion: 'v1'; kind: 'List'; items: object[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'mailcluster-node-certs-'));
  try {
    const files = await ensureNodePki(dir, o.cluster, podNames(o.statefulset, o.replicas));
    const data: Record<string, string> = { 'ca.crt': b64(readFileSync(join(dir, 'ca.crt'), 'utf8')) };
    for (const [node, f] of files) {
      data[`${node}.crt`] = b64(readFileSync(f.certFile, 'utf8'));
      data[`${node}.key`] = b64(readFileSync(f.keyFile, 'utf8'));
    }
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: NODE_TLS_SECRET, namespace: o.namespace, labels: { 'app.kubernetes.io/part-of': 'mailcluster' } }, type: 'Opaque', data };
    return { apiVersion: 'v1', kind: 'List', items: [secret] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runNodeCerts(o: NodeCertsOptions): Promise<void> {
  process.stdout.write(`${JSON.stringify(await nodeTlsSecret(o), null, 2)}\n`);
}

/** `init --tls-dir DIR --nodes a,b`: the CA and certificates as files; says which variables each node sets. */
export async function writeNodePki(dir: string, nodes: readonly string[], cluster: string): Promise<string> {
  for (const n of nodes) assertNodeName(n);
  await ensureNodePki(dir, cluster, nodes);
  return [
    `# the internal links' certificates are in ${dir} (ca.key there can make more: keep it off the nodes)`,
    `# every node: MAILCLUSTER_CLUSTER_CA_FILE=${join(dir, 'ca.crt')}`,
    `#   and its own MAILCLUSTER_CLUSTER_CERT_FILE=${join(dir, '<node>.crt')} MAILCLUSTER_CLUSTER_KEY_FILE=${join(dir, '<node>.key')}`,
    `# issued for: ${nodes.join(', ') || '(no node yet: add --nodes)'}`,
    '',
  ].join('\n');
}
