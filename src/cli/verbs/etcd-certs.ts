/**
 * `mailcluster etcd-certs --namespace NS`: a new etcd CA with a server certificate for the bundled
 * Kubernetes etcd (deploy/kubernetes/etcd: every member's name etcd-N.etcd with and without the
 * namespace, the Service, localhost and 127.0.0.1) and a client certificate for the mail nodes,
 * printed as two Secrets (a JSON List, what `kubectl apply -f -` reads):
 *   etcd-server-tls  ca.crt tls.crt tls.key  — mounted by the etcd pods only;
 *   etcd-client-tls  ca.crt tls.crt tls.key  — mounted by the mail pods only.
 * The CA key is not printed or kept: new certificates are a new set (run it again, apply, restart
 * etcd and the nodes). The output holds private keys: pipe it to kubectl, do not store it.
 */
import { kubernetesEtcdNames, makeEtcdPki, type EtcdPki } from '../../devcluster/etcd-pki.ts';

export interface EtcdCertsOptions { namespace: string; service: string; replicas: number }

/** The Secret names the manifests mount. */
export const ETCD_SERVER_SECRET = 'etcd-server-tls';
export const ETCD_CLIENT_SECRET = 'etcd-client-tls';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

export function etcdSecrets(pki: EtcdPki, namespace: string): { apiVersion: 'v1'; kind: 'List'; items: object[] } {
  const secret = (name: string, pem: { cert: string; key: string }): object => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/part-of': 'mailcluster' } },
    type: 'kubernetes.io/tls',
    data: { 'ca.crt': b64(pki.ca), 'tls.crt': b64(pem.cert), 'tls.key': b64(pem.key) },
  });
  return { apiVersion: 'v1', kind: 'List', items: [secret(ETCD_SERVER_SECRET, pki.server), secret(ETCD_CLIENT_SECRET, pki.client)] };
}

export async function runEtcdCerts(o: EtcdCertsOptions): Promise<void> {
  const pki = await makeEtcdPki(o.namespace, { dnsNames: kubernetesEtcdNames(o.namespace, o.service, o.replicas), ips: ['127.0.0.1'] });
  process.stdout.write(`${JSON.stringify(etcdSecrets(pki, o.namespace), null, 2)}\n`);
}
