/**
 * The manifests' etcd StatefulSet run on this machine, for boot.test.ts: one real etcd process per
 * replica with the arguments of its pod (etcd-pods.ts lists the substitutions), its Secret volumes
 * written from the given Secrets as the kubelet would, and readiness as the manifest's probe says
 * (an HTTP GET on the probe's port and path answering 200). stop() ends every member.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { ensureEtcd } from '../../src/devcluster/etcd-binary.ts';
import { freePorts } from '../../src/devcluster/ports.ts';
import { etcdContainer, etcdStatefulSet, localEtcdArgs, secretMounts, writeSecretVolume, type MemberPorts } from './etcd-pods.ts';
import type { K8sObject } from './render.ts';

export interface SecretData { metadata: { name: string }; data: Record<string, string> }

export class ManifestEtcd {
  readonly ports = new Map<string, MemberPorts>();
  private readonly children: ChildProcess[] = [];

  constructor(private readonly objs: K8sObject[], private readonly dir: string, private readonly secrets: readonly SecretData[]) {}

  get replicas(): number { return etcdStatefulSet(this.objs).spec.replicas as number; }

  async start(readyTimeoutMs = 30_000): Promise<void> {
    const names = Array.from({ length: this.replicas }, (_, i) => `etcd-${i}`);
    const free = await freePorts(3 * names.length);
    names.forEach((n, i) => this.ports.set(n, { client: free[3 * i]!, peer: free[3 * i + 1]!, metrics: free[3 * i + 2]! }));
    const podSpec = etcdStatefulSet(this.objs).spec.template.spec;
    const secretByMount = new Map(secretMounts(podSpec).map((m) => [m.mountPath, m]));
    for (const pod of names) {
      const dirs = new Map<string, string>();
      for (const m of etcdContainer(this.objs).volumeMounts) {
        const local = join(this.dir, pod, m.name);
        const secret = secretByMount.get(m.mountPath);
        if (secret) {
          const s = this.secrets.find((x) => x.metadata.name === secret.secretName);
          if (!s) throw new Error(`etcd mounts Secret ${secret.secretName}, which was not given`);
          writeSecretVolume(s, local, secret.defaultMode);
        } else {
          mkdirSync(local, { recursive: true, mode: 0o700 });
        }
        dirs.set(m.mountPath, local);
      }
      const log = openSync(join(this.dir, `${pod}.log`), 'a');
      this.children.push(spawn(ensureEtcd(), localEtcdArgs(this.objs, pod, this.ports, dirs), { stdio: ['ignore', log, log] }));
      closeSync(log);
    }
    await Promise.all(names.map((n) => this.waitReady(n, readyTimeoutMs)));
  }

  /** The manifest's readiness probe against member `pod`. */
  async probe(pod: string): Promise<number> {
    const { path, port } = etcdContainer(this.objs).readinessProbe.httpGet;
    const r = await fetch(`http://127.0.0.1:${this.ports.get(pod)![port as keyof MemberPorts]}${path}`, { signal: AbortSignal.timeout(2000) });
    return r.status;
  }

  private async waitReady(pod: string, timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (this.children.some((c) => c.exitCode !== null)) throw new Error(`an etcd member exited (see ${this.dir}/etcd-N.log)`);
      if ((await this.probe(pod).catch(() => 0)) === 200) return;
      if (Date.now() > until) throw new Error(`${pod} not ready within ${timeoutMs} ms (see ${this.dir}/${pod}.log)`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map((c) => new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) return resolve();
      const t = setTimeout(() => c.kill('SIGKILL'), 5000);
      c.once('exit', () => { clearTimeout(t); resolve(); });
      c.kill('SIGTERM');
    })));
  }
}
