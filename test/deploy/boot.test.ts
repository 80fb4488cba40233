/**
 * Three `mailcluster node` processes started with exactly the environment the StatefulSet gives
 * pods mail-0..mail-2 (rendered from the test overlay; ConfigMap, Secret, downward API and $(VAR)
 * references resolved as the kubelet does). On one machine, with tests running in parallel, these
 * substitutions and only these are made:
 *   - MAILCLUSTER_NODE_ADVERTISE_ADDRESS  mail-N.mail.<ns>.svc.cluster.local → 127.0.0.(2+N)
 *     (the headless DNS name, resolved to a per-pod loopback address);
 *   - MAILCLUSTER_PORTS_*                 each pod gets its own free ports (pods have their own IPs;
 *     processes on one host do not);
 *   - MAILCLUSTER_ETCD_ENDPOINTS          each etcd-N host → 127.0.0.1 with member N's client port;
 *   - mounted Secret volumes (etcd-client-tls, mailcluster-node-tls) → a directory with the Secret's files, so the
 *     MAILCLUSTER_ETCD_*_FILE paths under the mount point there; MAILCLUSTER_STORAGE_ROOT a temp
 *     directory shared by the three (the RWX volume).
 * etcd is the manifests' own: the three members of the etcd StatefulSet with their pods' command
 * (https only, client and peer certificates required), certificates from `mailcluster etcd-certs`
 * as deploy/README.md says, with the substitutions listed in etcd-pods.ts.
 * The bind address stays the manifests' 0.0.0.0, so a CLI run with a pod's environment reaches its
 * node on 127.0.0.1 exactly as `kubectl exec mail-N -- …` and the preStop hook do.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Etcd3 } from 'etcd3';
import nodemailer from 'nodemailer';
import { createEtcd } from '../../src/cluster/etcd.ts';
import { loadConfig } from '../../src/config/loader.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAILCLUSTER_BIN, NodeProcess } from '../../src/devcluster/node-process.ts';
import { freePorts } from '../../src/devcluster/ports.ts';
import type { ClusterStatus } from '../../worker/api/cluster-status.ts';
import { DEPLOY, find, mailContainer, podEnvOf, render } from './render.ts';
import { ManifestEtcd, type SecretData } from './etcd-local.ts';
import { localUrl, secretMounts, writeSecretVolume } from './etcd-pods.ts';

const run = promisify(execFile);
const REPO = join(DEPLOY, '..'); // the image's WORKDIR /app holds the same bin/ src/ … tree
const dir = mkdtempSync(join(tmpdir(), 'mailcluster-k8s-boot-'));
const shared = join(dir, 'shared');
const objs = render('overlays/test');
// the Secrets as deploy/README.md makes them: `mailcluster etcd-certs --namespace <ns> | kubectl apply -f -`
const etcdSecrets = (JSON.parse(execFileSync(process.execPath, [MAILCLUSTER_BIN, 'etcd-certs', '--namespace', 'mailcluster-test'], { encoding: 'utf8' })) as { items: SecretData[] }).items;
const etcd = new ManifestEtcd(objs, join(dir, 'etcd'), etcdSecrets);
// and the node certificates: `mailcluster node-certs --namespace <ns> | kubectl apply -f -`
const nodeSecrets = (JSON.parse(execFileSync(process.execPath, [MAILCLUSTER_BIN, 'node-certs', '--namespace', 'mailcluster-test', '--replicas', '3'], { encoding: 'utf8' })) as { items: SecretData[] }).items;
const secrets = [...etcdSecrets, ...nodeSecrets];
const container = mailContainer(objs);
const nodes: NodeProcess[] = [];
const ip = (i: number): string => `127.0.0.${2 + i}`;

async function podEnv(i: number): Promise<Record<string, string>> {
  const env = podEnvOf(objs, `mail-${i}`);
  expect(env.MAILCLUSTER_NODE_ADVERTISE_ADDRESS).toBe(`mail-${i}.mail.mailcluster-test.svc.cluster.local`);
  env.MAILCLUSTER_NODE_ADVERTISE_ADDRESS = ip(i);
  const portVars = Object.keys(env).filter((k) => k.startsWith('MAILCLUSTER_PORTS_'));
  const free = await freePorts(portVars.length);
  portVars.forEach((k, j) => { env[k] = String(free[j]); });
  env.MAILCLUSTER_ETCD_ENDPOINTS = env.MAILCLUSTER_ETCD_ENDPOINTS!.split(',').map((u) => localUrl(u, objs, etcd.ports)).join(',');
  for (const m of secretMounts((find(objs, 'StatefulSet', 'mail') as any).spec.template.spec)) {
    const local = join(dir, `mail-${i}`, 'secrets', m.secretName);
    writeSecretVolume(secrets.find((s) => s.metadata.name === m.secretName)!, local, m.defaultMode);
    for (const [k, v] of Object.entries(env)) if (v.startsWith(`${m.mountPath}/`)) env[k] = local + v.slice(m.mountPath.length);
  }
  env.MAILCLUSTER_STORAGE_ROOT = shared;
  return env;
}

/** `kubectl exec mail-N -- node bin/mailcluster.js <args>`: the pod's environment, nothing more. */
async function inPod(i: number, args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [MAILCLUSTER_BIN, ...args], { cwd: REPO, env: { ...process.env, ...nodes[i]!.env } });
  return stdout;
}

const status = async (i = 1): Promise<ClusterStatus> => JSON.parse(await inPod(i, ['status', '--json'])) as ClusterStatus;

async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await get().catch(() => undefined);
    if (last !== undefined && ok(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} not reached within ${ms} ms; last: ${JSON.stringify(last)}`);
}

beforeAll(async () => {
  await etcd.start();
  mkdirSync(shared, { recursive: true });
  for (let i = 0; i < 3; i++) nodes.push(new NodeProcess(`mail-${i}`, await podEnv(i), join(dir, `mail-${i}.log`)));
  await Promise.all(nodes.map((n) => n.start(60_000)));
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(nodes.map((n) => n.stop()));
  await etcd.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('nodes started with the StatefulSet pods\' environment', () => {
  it('form one cluster with one controller, and the CLI inside a pod sees all of it', async () => {
    const s = await until('3 nodes and a controller', () => status(1), (v) => !!v.controller && v.nodes.length === 3);
    expect(s.cluster).toBe('test');
    expect(s.nodes.map((n) => [n.name, n.address, n.state])).toEqual([
      ['mail-0', ip(0), 'active'],
      ['mail-1', ip(1), 'active'],
      ['mail-2', ip(2), 'active'],
    ]);
    expect(s.nodes.filter((n) => n.controller).map((n) => n.name)).toEqual([s.controller]);
    for (const [i, n] of s.nodes.entries()) expect(n.ports).toMatchObject({ smtp: Number(nodes[i]!.env.MAILCLUSTER_PORTS_SMTP), rpc: Number(nodes[i]!.env.MAILCLUSTER_PORTS_RPC) });
  });

  it('every probe in the manifest answers 200 on every pod\'s admin port', async () => {
    const probes = ['livenessProbe', 'readinessProbe', 'startupProbe'].map((p) => container[p].httpGet as { path: string; port: string });
    for (const n of nodes) {
      for (const p of probes) {
        const port = n.env[`MAILCLUSTER_PORTS_${p.port.toUpperCase()}`];
        const r = await fetch(`http://127.0.0.1:${port}${p.path}`);
        expect([n.name, p.path, r.status]).toEqual([n.name, p.path, 200]);
      }
    }
  });

  it('the preStop command drains the pod with its mail kept; the restarted pod serves again', async () => {
    await inPod(0, ['domain', 'add', 'example.test']);
    await inPod(0, ['account', 'add', 'alice@example.test', '--password', 'a long password 1']);
    // mail arriving on mail-2 opens the account there (placement prefers the receiving node)
    const smtp = nodemailer.createTransport({ host: ip(2), port: Number(nodes[2]!.env.MAILCLUSTER_PORTS_SMTP), secure: false, ignoreTLS: true, name: 'client.test' });
    await smtp.sendMail({ from: 'bob@elsewhere.test', to: 'alice@example.test', subject: 'before the drain', text: 'kept' });
    smtp.close();
    expect(JSON.parse(await inPod(2, ['where', 'alice@example.test', '--json']))).toMatchObject({ holder: 'mail-2' });

    // the kubelet runs the hook's command in the container: the pod's env, WORKDIR /app
    const [cmd, ...args] = container.lifecycle.preStop.exec.command as string[];
    const hook = await run(cmd!, args, { cwd: REPO, env: { ...process.env, ...nodes[2]!.env }, timeout: 60_000 });
    expect(hook.stdout).toMatch(/mail-2 drained: no accounts left/);
    const drained = await status(0);
    expect(drained.nodes.find((n) => n.name === 'mail-2')).toMatchObject({ state: 'draining', open: 0 });
    expect(JSON.parse(await inPod(0, ['where', 'alice@example.test', '--json'])).holder).not.toBe('mail-2');

    // then SIGTERM, and the StatefulSet starts the pod again with the same environment
    await nodes[2]!.stop();
    await nodes[2]!.start(60_000);
    const back = await until('mail-2 active again', () => status(0), (v) => v.nodes.find((n) => n.name === 'mail-2')?.state === 'active');
    expect(back.nodes.map((n) => n.state)).toEqual(['active', 'active', 'active']);
    const inbox = join(shared, 'mail', 'example.test', 'alice');
    expect([...readdirSync(join(inbox, 'new')), ...readdirSync(join(inbox, 'cur'))]).toHaveLength(1);
  }, 120_000);

  it('etcd runs as the manifests say: ready by its probe, https only, and only the pods\' client certificate reads accounts/', async () => {
    for (let i = 0; i < etcd.replicas; i++) expect(await etcd.probe(`etcd-${i}`)).toBe(200);
    const config = loadConfig({ env: nodes[0]!.env, purpose: 'node' }).etcd;
    expect(config.endpoints).toHaveLength(3);
    expect(config.endpoints.every((e) => e.startsWith('https://127.0.0.1:'))).toBe(true);
    const prefix = '/mailcluster/test/accounts/';
    const read = async (client: Etcd3): Promise<string[]> => {
      try {
        return await client.getAll().prefix(prefix).options({ deadline: Date.now() + 2000 }).keys();
      } finally {
        client.close();
      }
    };
    expect(await read(createEtcd(config))).toEqual([`${prefix}example.test/alice`]);
    const host = config.endpoints[0]!;
    await expect(read(new Etcd3({ hosts: host.replace('https:', 'http:'), dialTimeout: 1000 }))).rejects.toThrow();
    await expect(read(new Etcd3({ hosts: host, dialTimeout: 1000, credentials: { rootCertificate: readFileSync(config.caFile) } }))).rejects.toThrow();
  });
});
