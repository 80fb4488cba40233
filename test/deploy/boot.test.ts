/**
 * Three nodes booted with exactly the environment the StatefulSet gives mail-0..mail-2 (rendered
 * from the test overlay), as separate "pods" on 127.0.0.2–127.0.0.4 with the manifests' own ports.
 * Substitutions, and only these: each pod's headless DNS name and bind address become its
 * loopback address, the etcd endpoints a local etcd, the shared volume a temp directory.
 * They must form one cluster: three registered nodes, one controller, answering the CLI.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdProcess } from '../../src/devcluster/etcd-process.ts';
import { MAILCLUSTER_BIN, NodeProcess } from '../../src/devcluster/node-process.ts';
import type { ClusterStatus } from '../../worker/api/cluster-status.ts';
import { podEnvOf, render } from './render.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'mailcluster-k8s-boot-'));
const etcd = new EtcdProcess(join(dir, 'etcd'));
const nodes: NodeProcess[] = [];
const ip = (i: number): string => `127.0.0.${2 + i}`;
let manifestEnv: Record<string, string>;

beforeAll(async () => {
  const objs = render();
  await etcd.start();
  mkdirSync(join(dir, 'shared'), { recursive: true });
  for (let i = 0; i < 3; i++) {
    const env = podEnvOf(objs, `mail-${i}`);
    manifestEnv ??= { ...env };
    expect(env.MAILCLUSTER_NODE_ADVERTISE_ADDRESS).toBe(`mail-${i}.mail.mailcluster-test.svc.cluster.local`);
    env.MAILCLUSTER_NODE_ADVERTISE_ADDRESS = ip(i); // the headless DNS name, resolved
    env.MAILCLUSTER_NODE_BIND_ADDRESS = ip(i); // the pod's own address instead of 0.0.0.0
    env.MAILCLUSTER_ETCD_ENDPOINTS = etcd.endpoint;
    env.MAILCLUSTER_STORAGE_ROOT = join(dir, 'shared');
    nodes.push(new NodeProcess(`mail-${i}`, env, join(dir, `mail-${i}.log`)));
  }
  await Promise.all(nodes.map((n) => n.start(60_000)));
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(nodes.map((n) => n.stop()));
  await etcd.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('nodes started as the StatefulSet starts them', () => {
  it('form one cluster with one controller, and the CLI inside a pod sees all of it', async () => {
    // as `kubectl exec mail-1 -- mailcluster status` would: the pod's own env, the local admin port
    const podEnv = { ...nodes[1]!.env, MAILCLUSTER_ADMIN_URLS: `http://${ip(1)}:${manifestEnv.MAILCLUSTER_PORTS_ADMIN}` };
    let status: ClusterStatus | undefined;
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      const { stdout } = await run(process.execPath, [MAILCLUSTER_BIN, 'status', '--json'], { env: { ...process.env, ...podEnv } });
      status = JSON.parse(stdout) as ClusterStatus;
      if (status.controller && status.nodes.length === 3) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(status!.nodes.map((n) => [n.name, n.address, n.state])).toEqual([
      ['mail-0', ip(0), 'active'],
      ['mail-1', ip(1), 'active'],
      ['mail-2', ip(2), 'active'],
    ]);
    expect(status!.nodes.filter((n) => n.controller)).toHaveLength(1);
    expect(status!.nodes[0]!.ports).toMatchObject({ smtp: 2525, imap: 1143, admin: 7480, rpc: 7400 });
  });
});
