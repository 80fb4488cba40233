/**
 * A node in a container reports its container's memory limit and CPU quota, not the host's: the
 * node process is moved into real cgroups (v1 memory + cpu controllers, or v2) with a 768 MiB
 * limit and a 0.5 CPU quota, and what it publishes for `mailcluster status` follows. Needs root
 * to make cgroups; without it the test fails saying so (it never passes silently).
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeValueSchema, parseJson } from '../../src/cluster/values.ts';
import { startTestCluster, type TestCluster } from '../harness/cluster.ts';

const LIMIT = 768 * 1024 * 1024;
const made: string[] = [];
let c: TestCluster;

/** Puts `pid` into new cgroups limited to LIMIT bytes and 0.5 CPU; returns nothing, records dirs for cleanup. */
function confine(pid: number): void {
  if (process.getuid?.() !== 0) throw new Error('this test makes cgroups: run it as root');
  const v2 = '/sys/fs/cgroup';
  if (existsSync(join(v2, 'cgroup.controllers'))) {
    const dir = join(v2, `mc-test-${process.pid}`);
    writeFileSync(join(v2, 'cgroup.subtree_control'), '+cpu +memory');
    mkdirSync(dir);
    made.push(dir);
    writeFileSync(join(dir, 'memory.max'), String(LIMIT));
    writeFileSync(join(dir, 'cpu.max'), '50000 100000');
    writeFileSync(join(dir, 'cgroup.procs'), String(pid));
    return;
  }
  const mem = join('/sys/fs/cgroup/memory', `mc-test-${process.pid}`);
  const cpuRoot = ['/sys/fs/cgroup/cpu', '/sys/fs/cgroup/cpu,cpuacct'].find((d) => existsSync(join(d, 'cpu.cfs_quota_us')));
  if (!existsSync('/sys/fs/cgroup/memory/cgroup.procs') || !cpuRoot) throw new Error('no cgroup v2, nor v1 memory and cpu controllers, at /sys/fs/cgroup');
  const cpu = join(cpuRoot, `mc-test-${process.pid}`);
  for (const d of [mem, cpu]) {
    mkdirSync(d);
    made.push(d);
  }
  writeFileSync(join(mem, 'memory.limit_in_bytes'), String(LIMIT));
  writeFileSync(join(cpu, 'cpu.cfs_period_us'), '100000');
  writeFileSync(join(cpu, 'cpu.cfs_quota_us'), '50000');
  for (const d of [mem, cpu]) writeFileSync(join(d, 'cgroup.procs'), String(pid));
}

beforeAll(async () => {
  c = await startTestCluster({ nodes: 1, env: { MAILCLUSTER_ADMIN_STATS_INTERVAL_MS: '300' } });
});
afterAll(async () => {
  await c?.stop();
  for (const d of made.reverse()) {
    // move anything left back to the parent, then remove the cgroup
    try {
      for (const pid of readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) writeFileSync(join(d, '..', 'cgroup.procs'), pid);
      rmdirSync(d);
    } catch {
      // already gone
    }
  }
});

describe('a node in a container', () => {
  it('publishes its cgroup memory limit and CPU quota as its memory and CPUs', async () => {
    const node = c.nodes[0]!;
    const stats = async () => parseJson(nodeValueSchema, await c.etcd.get(c.keys.node(node.name)).buffer())?.stats;
    await expect.poll(async () => (await stats())?.cpus, { timeout: 10_000 }).toBeGreaterThanOrEqual(1); // the host's, before
    confine(node.pid!);
    await expect.poll(async () => (await stats())?.memTotalBytes, { timeout: 10_000, interval: 200 }).toBe(LIMIT);
    const s = (await stats())!;
    expect(s.cpus).toBe(0.5);
    expect(s.memFreeBytes).toBeLessThanOrEqual(LIMIT);
  });
});
