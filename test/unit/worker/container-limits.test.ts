/**
 * Container-aware figures: the limits are read from cgroup files laid out as the kernel shows
 * them (v2 unified and v1 memory/cpu controllers), the tightest on the path up to the root wins,
 * "unlimited" is no limit, and a machine without cgroups gives no limits (host figures).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { containerLimits } from '../../../worker/container-limits.ts';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function tree(files: Record<string, string>): { root: string; self: string } {
  dir = mkdtempSync(join(tmpdir(), 'mc-cgroup-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return { root: join(dir, 'sys'), self: join(dir, 'self-cgroup') };
}

describe('containerLimits', () => {
  it('cgroup v2: memory.max and cpu.max of the process cgroup, usage from memory.current', () => {
    const t = tree({
      'self-cgroup': '0::/kubepods/pod1/c1\n',
      'sys/cgroup.controllers': 'cpu memory',
      'sys/kubepods/pod1/c1/memory.max': '536870912\n',
      'sys/kubepods/pod1/c1/memory.current': '104857600\n',
      'sys/kubepods/pod1/c1/cpu.max': '50000 100000\n',
    });
    expect(containerLimits(t.root, t.self)).toEqual({ memoryLimitBytes: 536870912, memoryUsedBytes: 104857600, cpuQuota: 0.5 });
  });

  it('cgroup v2: a parent limit binds the child; "max" is no limit', () => {
    const t = tree({
      'self-cgroup': '0::/pod/c\n',
      'sys/cgroup.controllers': 'cpu memory',
      'sys/pod/memory.max': '268435456',
      'sys/pod/cpu.max': '150000 100000',
      'sys/pod/c/memory.max': 'max',
      'sys/pod/c/memory.current': '1000',
      'sys/pod/c/cpu.max': 'max 100000',
    });
    expect(containerLimits(t.root, t.self)).toEqual({ memoryLimitBytes: 268435456, memoryUsedBytes: 1000, cpuQuota: 1.5 });
  });

  it('cgroup v2 in a cgroup namespace: the mount root is the process cgroup', () => {
    const t = tree({
      'self-cgroup': '0::/not/visible/here\n',
      'sys/cgroup.controllers': 'cpu memory',
      'sys/memory.max': '1073741824',
      'sys/memory.current': '5',
      'sys/cpu.max': '200000 100000',
    });
    expect(containerLimits(t.root, t.self)).toEqual({ memoryLimitBytes: 1073741824, memoryUsedBytes: 5, cpuQuota: 2 });
  });

  it('cgroup v1: memory.limit_in_bytes and cfs quota/period; the huge "unlimited" value is no limit', () => {
    const t = tree({
      'self-cgroup': '4:memory:/mc\n2:cpu,cpuacct:/mc\n0::/\n',
      'sys/memory/memory.limit_in_bytes': '9223372036854771712',
      'sys/memory/mc/memory.limit_in_bytes': '805306368',
      'sys/memory/mc/memory.usage_in_bytes': '2048',
      'sys/cpu,cpuacct/cpu.cfs_quota_us': '-1',
      'sys/cpu,cpuacct/cpu.cfs_period_us': '100000',
      'sys/cpu,cpuacct/mc/cpu.cfs_quota_us': '25000',
      'sys/cpu,cpuacct/mc/cpu.cfs_period_us': '100000',
    });
    expect(containerLimits(t.root, t.self)).toEqual({ memoryLimitBytes: 805306368, memoryUsedBytes: 2048, cpuQuota: 0.25 });
  });

  it('no limits anywhere, or no cgroup filesystem: nothing (the host figures apply)', () => {
    const t = tree({
      'self-cgroup': '4:memory:/\n1:cpu:/\n',
      'sys/memory/memory.limit_in_bytes': '9223372036854771712',
      'sys/cpu/cpu.cfs_quota_us': '-1',
      'sys/cpu/cpu.cfs_period_us': '100000',
    });
    expect(containerLimits(t.root, t.self)).toEqual({ memoryLimitBytes: undefined, memoryUsedBytes: undefined, cpuQuota: undefined });
    expect(containerLimits(join(dir, 'nowhere'), join(dir, 'no-such-file'))).toEqual({ memoryLimitBytes: undefined, memoryUsedBytes: undefined, cpuQuota: undefined });
  });
});
