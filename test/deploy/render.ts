/**
 * Renders the kustomize overlay with kubectl (`kubectl kustomize`), installing Debian's
 * kubernetes-client when kubectl is missing and we are root; fails loudly otherwise.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const DEPLOY = join(import.meta.dirname, '..', '..', 'deploy');

function ensureKubectl(): void {
  if (spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0) return;
  if (process.getuid?.() !== 0) throw new Error('the deploy tests need kubectl: apt-get install kubernetes-client (as root)');
  execFileSync('apt-get', ['install', '-y', '-qq', 'kubernetes-client'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

export interface K8sObject { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [k: string]: unknown }

export function render(overlay = 'overlays/test'): K8sObject[] {
  ensureKubectl();
  const out = execFileSync('kubectl', ['kustomize', join(DEPLOY, 'kubernetes', overlay)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return parseAllDocuments(out).map((d) => d.toJS() as K8sObject).filter(Boolean);
}

export function find(objs: K8sObject[], kind: string, name: string): K8sObject {
  const o = objs.find((x) => x.kind === kind && (x.metadata.name === name || x.metadata.name.startsWith(`${name}-`)));
  if (!o) throw new Error(`no ${kind} ${name} in the rendered manifests`);
  return o;
}

/** The environment the StatefulSet gives pod `podName`: ConfigMap, Secret, downward API and $(VAR) references resolved. */
export function podEnvOf(objs: K8sObject[], podName: string, namespace = 'mailcluster-test'): Record<string, string> {
  const mail = find(objs, 'StatefulSet', 'mail') as K8sObject & { spec: { template: { spec: { containers: Array<{ env: Array<{ name: string; value?: string; valueFrom?: { fieldRef: { fieldPath: string } } }> }> } } } };
  const configMap = find(objs, 'ConfigMap', 'mailcluster-config') as K8sObject & { data: Record<string, string> };
  const secret = find(objs, 'Secret', 'mailcluster-secret') as K8sObject & { data: Record<string, string> };
  const env: Record<string, string> = { ...configMap.data };
  for (const [k, v] of Object.entries(secret.data)) env[k] = Buffer.from(v, 'base64').toString('utf8');
  for (const e of mail.spec.template.spec.containers[0]!.env) {
    if (e.valueFrom) env[e.name] = e.valueFrom.fieldRef.fieldPath === 'metadata.name' ? podName : namespace;
    else env[e.name] = e.value!.replace(/\$\(([A-Z_]+)\)/g, (_, n: string) => env[n] ?? '');
  }
  return env;
}
