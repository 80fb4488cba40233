/**
 * What this process may use, as its container (cgroup) allows it rather than what the host has:
 * a pod limited to 512 MiB on a 64 GiB machine must report 512 MiB, or `status` and the dashboard
 * mislead the operator exactly when memory is short.
 *
 * Contract: `containerLimits()` reads the process's own cgroups (v2 unified, or v1 memory and cpu
 * controllers) from /proc/self/cgroup and the cgroup filesystem, taking the tightest limit on the
 * path from its cgroup up to the mount's root (a parent's limit binds its children too). Any
 * field is undefined when there is no limit or it cannot be read (no cgroup filesystem, another
 * OS): callers fall back to the host's figures. Synchronous and cheap (a few small reads).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface ContainerLimits {
  /** Memory limit in bytes. */
  memoryLimitBytes: number | undefined;
  /** Memory charged to the cgroup now (bytes), when a limit exists. */
  memoryUsedBytes: number | undefined;
  /** CPUs the quota allows (quota / period; may be fractional). */
  cpuQuota: number | undefined;
}

/** A v1 "unlimited" is a huge number near 2^63, not a marker. */
const UNLIMITED = 2 ** 60;

export function containerLimits(root = '/sys/fs/cgroup', selfCgroup = '/proc/self/cgroup'): ContainerLimits {
  let lines: string[];
  try {
    lines = readFileSync(selfCgroup, 'utf8').trim().split('\n');
  } catch {
    return { memoryLimitBytes: undefined, memoryUsedBytes: undefined, cpuQuota: undefined };
  }
  const paths = new Map<string, string>(); // controller ('' = v2 unified) -> path
  for (const line of lines) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (path === undefined) continue;
    for (const c of controllers!.split(',')) paths.set(c, path);
  }
  if (existsSync(join(root, 'cgroup.controllers'))) return unified(root, paths.get('') ?? '/');
  return legacy(root, paths);
}

function unified(root: string, path: string): ContainerLimits {
  const dirs = chain(root, path);
  const memoryLimitBytes = tightest(dirs.map((d) => bytesOrMax(read(join(d, 'memory.max')))));
  const cpuQuota = tightest(dirs.map((d) => quota(read(join(d, 'cpu.max')))));
  const used = memoryLimitBytes !== undefined ? number(read(join(dirs[0]!, 'memory.current'))) : undefined;
  return { memoryLimitBytes, memoryUsedBytes: used, cpuQuota };
}

function legacy(root: string, paths: Map<string, string>): ContainerLimits {
  const memRoot = join(root, 'memory');
  const cpuRoot = [join(root, 'cpu'), join(root, 'cpu,cpuacct')].find((d) => existsSync(join(d, 'cpu.cfs_quota_us')));
  const memDirs = existsSync(memRoot) ? chain(memRoot, paths.get('memory') ?? '/') : [];
  const cpuDirs = cpuRoot ? chain(cpuRoot, paths.get('cpu') ?? '/') : [];
  const memoryLimitBytes = tightest(memDirs.map((d) => {
    const n = number(read(join(d, 'memory.limit_in_bytes')));
    return n !== undefined && n < UNLIMITED ? n : undefined;
  }));
  const cpuQuota = tightest(cpuDirs.map((d) => {
    const q = number(read(join(d, 'cpu.cfs_quota_us')));
    const p = number(read(join(d, 'cpu.cfs_period_us')));
    return q !== undefined && p && q > 0 ? q / p : undefined;
  }));
  const used = memoryLimitBytes !== undefined && memDirs[0] ? number(read(join(memDirs[0], 'memory.usage_in_bytes'))) : undefined;
  return { memoryLimitBytes, memoryUsedBytes: used, cpuQuota };
}

/**
 * The directories from the process's cgroup up to the mount root. Inside a cgroup namespace the
 * path may name ancestors the mount does not show; then the mount root is the process's cgroup.
 */
function chain(mount: string, path: string): string[] {
  let dir = join(mount, path);
  if (!existsSync(dir)) dir = mount;
  const out = [dir];
  while (dir !== mount && dir.startsWith(mount)) {
    dir = dirname(dir);
    out.push(dir);
  }
  return out;
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function number(s: string | undefined): number | undefined {
  if (s === undefined || !/^\d+$/.test(s)) return undefined;
  return Number(s);
}

function bytesOrMax(s: string | undefined): number | undefined {
  return s === 'max' ? undefined : number(s);
}

/** cgroup v2 `cpu.max`: "<quota> <period>" or "max <period>". */
function quota(s: string | undefined): number | undefined {
  const [q, p] = (s ?? '').split(' ');
  const qn = number(q);
  const pn = number(p);
  return qn !== undefined && pn ? qn / pn : undefined;
}

function tightest(values: Array<number | undefined>): number | undefined {
  const set = values.filter((v): v is number => v !== undefined);
  return set.length ? Math.min(...set) : undefined;
}
