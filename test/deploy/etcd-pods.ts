/**
 * The bundled etcd as the manifests define it (deploy/kubernetes/etcd), for the deploy tests:
 * the command the kubelet runs in pod etcd-N ($(VAR) expanded), the Secret volumes a pod mounts,
 * and the substitutions that run those pods on one machine (boot.test.ts). Only these are made:
 *   - a URL host etcd-N.etcd[.<ns>[.svc…]] becomes 127.0.0.1 and 0.0.0.0 stays; the ports the
 *     container names (client, peer, metrics) become that member's free ports (pods have their own
 *     IPs, processes on one host do not);
 *   - the data volume's mount path becomes a temp directory;
 *   - a Secret volume's mount path becomes a directory holding the Secret's keys as files, as the
 *     kubelet writes them (defaultMode applied).
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { find, type K8sObject } from './render.ts';

interface EtcdContainer {
  command: string[];
  env: Array<{ name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>;
  ports: Array<{ name: string; containerPort: number }>;
  volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  readinessProbe: { httpGet: { path: string; port: string } };
  [k: string]: any;
}

interface PodSpec { containers: any[]; volumes?: Array<{ name: string; secret?: { secretName: string; defaultMode?: number } }> }

export function etcdStatefulSet(objs: K8sObject[]): K8sObject & { spec: any } {
  return find(objs, 'StatefulSet', 'etcd') as K8sObject & { spec: any };
}

export function etcdContainer(objs: K8sObject[]): EtcdContainer {
  return etcdStatefulSet(objs).spec.template.spec.containers[0] as EtcdContainer;
}

/** The container command of pod `podName`, $(POD_NAME) and other downward-API fields expanded. */
export function etcdCommand(objs: K8sObject[], podName: string, namespace = 'mailcluster-test'): string[] {
  const c = etcdContainer(objs);
  const fields: Record<string, string> = { 'metadata.name': podName, 'metadata.namespace': namespace };
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) env[e.name] = fields[e.valueFrom?.fieldRef?.fieldPath ?? ''] ?? '';
  return c.command.map((a) => a.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, n: string) => env[n] ?? m));
}

/** `--flag=value` arguments as a map (a bare `--flag` maps to ''). */
export function flags(command: readonly string[]): Map<string, string> {
  return new Map(command.filter((a) => a.startsWith('--')).map((a) => {
    const i = a.indexOf('=');
    return i < 0 ? [a.slice(2), ''] : [a.slice(2, i), a.slice(i + 1)];
  }));
}

export interface SecretMount { mountPath: string; secretName: string; defaultMode: number }

/** The Secret volumes a pod template mounts into its first container. */
export function secretMounts(podSpec: PodSpec): SecretMount[] {
  const out: SecretMount[] = [];
  for (const m of podSpec.containers[0].volumeMounts as Array<{ name: string; mountPath: string }>) {
    const v = podSpec.volumes?.find((x) => x.name === m.name);
    if (v?.secret) out.push({ mountPath: m.mountPath, secretName: v.secret.secretName, defaultMode: v.secret.defaultMode ?? 0o644 });
  }
  return out;
}

/** Writes a Secret's keys as the kubelet does for a volume without `items`. */
export function writeSecretVolume(secret: { data: Record<string, string> }, dir: string, mode: number): void {
  mkdirSync(dir, { recursive: true });
  for (const [k, v] of Object.entries(secret.data)) {
    writeFileSync(join(dir, k), Buffer.from(v, 'base64'));
    chmodSync(join(dir, k), mode);
  }
}

export interface MemberPorts { client: number; peer: number; metrics: number }

/**
 * Rewrites an `https://host:port` URL as the boot test runs it: etcd-N hosts → 127.0.0.1 with
 * etcd-N's local port for the container port; 0.0.0.0 keeps its host and gets `self`'s port.
 */
export function localUrl(url: string, objs: K8sObject[], ports: Map<string, MemberPorts>, self?: string): string {
  const byNumber = new Map(etcdContainer(objs).ports.map((p) => [p.containerPort, p.name as keyof MemberPorts]));
  const u = new URL(url);
  const member = u.hostname === '0.0.0.0' ? self : /^(etcd-\d+)\.etcd(\.|$)/.exec(u.hostname)?.[1];
  const local = member ? ports.get(member) : undefined;
  const name = byNumber.get(Number(u.port));
  if (!local || !name) throw new Error(`no local substitute for ${url}`);
  return `${u.protocol}//${u.hostname === '0.0.0.0' ? '0.0.0.0' : '127.0.0.1'}:${local[name]}`;
}

/**
 * The arguments of pod `podName`'s etcd on this machine: URLs as localUrl, the data mount and the
 * Secret mounts replaced by the given directories (mountPath → local directory).
 */
export function localEtcdArgs(objs: K8sObject[], podName: string, ports: Map<string, MemberPorts>, dirs: Map<string, string>): string[] {
  const [, ...args] = etcdCommand(objs, podName);
  return args.map((a) => {
    let out = a.replace(/https?:\/\/[^,\s]+/g, (url) => localUrl(url, objs, ports, podName));
    for (const [mount, local] of dirs) if (out.includes(`=${mount}`)) out = out.replace(`=${mount}`, `=${local}`);
    return out;
  });
}
