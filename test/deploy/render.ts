/**
 * Renders a kustomize overlay with `kubectl kustomize` ($KUBECTL, else kubectl on PATH), which
 * `bin/system-deps.sh` installs before `npm test` when it is missing; without it this throws, so
 * the deploy tests fail loudly, never skip. The manifests use current kustomize fields
 * (directories in `resources`, `patches`): kubectl 1.21 or newer (kustomize v4+) renders them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const DEPLOY = join(import.meta.dirname, '..', '..', 'deploy');
export const KUBECTL = process.env.KUBECTL ?? 'kubectl';

function ensureKubectl(): void {
  const run = spawnSync(KUBECTL, ['version', '--client'], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`the deploy tests need kubectl (${KUBECTL} did not run): run bin/system-deps.sh as root (or apt-get install kubernetes-client)`);
  const kustomize = /Kustomize Version: v(\d+)/.exec(run.stdout);
  if (kustomize && Number(kustomize[1]) < 4) throw new Error(`the deploy tests need kubectl 1.21+ (kustomize v4+); ${KUBECTL} has kustomize v${kustomize[1]}`);
}

export interface K8sObject { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [k: string]: unknown }

export function render(overlay = 'overlays/test'): K8sObject[] {
  ensureKubectl();
  return parseObjects(execFileSync(KUBECTL, ['kustomize', join(DEPLOY, 'kubernetes', overlay)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** The objects of a multi-document YAML stream (kubectl output). */
export function parseObjects(yaml: string): K8sObject[] {
  return parseAllDocuments(yaml).map((d) => d.toJS() as K8sObject).filter(Boolean);
}

/** The object of that kind and name; generated names (`name-<hash>`) match their base name. */
export function find(objs: K8sObject[], kind: string, name: string): K8sObject {
  const o = objs.find((x) => x.kind === kind && (x.metadata.name === name || new RegExp(`^${name}-[a-z0-9]{10}$`).test(x.metadata.name)));
  if (!o) throw new Error(`no ${kind} ${name} in the rendered manifests`);
  return o;
}

interface EnvVar { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }
export interface Container {
  env: EnvVar[];
  envFrom: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  ports: Array<{ name: string; containerPort: number }>;
  [k: string]: any;
}

export function mailContainer(objs: K8sObject[]): Container {
  return (find(objs, 'StatefulSet', 'mail') as any).spec.template.spec.containers[0] as Container;
}

/**
 * The environment the kubelet gives the mail container of pod `podName`, computed as Kubernetes
 * does: `envFrom` sources in order (ConfigMap data, Secret data base64-decoded), then `env` in
 * order; downward-API fields metadata.name / metadata.namespace; `$(VAR)` expanded from variables
 * defined before it, `$$` an escaped `$`, an unknown reference left as written.
 */
export function podEnvOf(objs: K8sObject[], podName: string, namespace = 'mailcluster-test'): Record<string, string> {
  const c = mailContainer(objs);
  const env: Record<string, string> = {};
  for (const src of c.envFrom) {
    if (src.configMapRef) Object.assign(env, (find(objs, 'ConfigMap', src.configMapRef.name) as any).data);
    if (src.secretRef) {
      for (const [k, v] of Object.entries((find(objs, 'Secret', src.secretRef.name) as any).data as Record<string, string>)) env[k] = Buffer.from(v, 'base64').toString('utf8');
    }
  }
  const fields: Record<string, string> = { 'metadata.name': podName, 'metadata.namespace': namespace };
  for (const e of c.env) {
    if (e.valueFrom) {
      const path = e.valueFrom.fieldRef?.fieldPath ?? '';
      if (!(path in fields)) throw new Error(`env ${e.name}: unsupported valueFrom ${JSON.stringify(e.valueFrom)}`);
      env[e.name] = fields[path]!;
    } else {
      env[e.name] = (e.value ?? '').replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, n?: string) => (n === undefined ? '$' : (env[n] ?? m)));
    }
  }
  return env;
}
