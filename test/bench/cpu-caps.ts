/**
 * Equal machines on one host, for benchmarks: each "machine" (one of our nodes, or the whole peer:
 * Postfix plus Dovecot, or Dovecot alone) gets its own cgroup with a CPU quota of `cores` CPUs, so
 * a 3-node cluster is compared with one peer server of the same size, as the targets mean it,
 * instead of three nodes, etcd, the peer and the load generator all sharing this machine's cores.
 *
 * Contract: `cpuCaps()` returns caps or, when this machine cannot make them (not root, no writable
 * cgroup cpu controller), the reason, for the benchmark to print; it never pretends. A capped
 * machine holds a process tree: the pids given and every descendant now alive; children forked
 * later inherit the cgroup. `release()` moves every process back and removes the cgroups.
 * The CFS period is 10 ms (not the kernel's 100 ms) so a capped server is throttled in short
 * slices, as a slower CPU would be, rather than frozen for tens of milliseconds at a time.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { descendants } from './proc-cpu.ts';

const PERIOD_US = 10_000;

interface Layout {
  /** The directory new cgroups are made in. */
  base: string;
  /** Where processes go back to. */
  root: string;
  limit: (dir: string, cores: number) => void;
}

function layout(): Layout | string {
  if (process.getuid?.() !== 0) return 'needs root (cgroup CPU quotas)';
  const v1 = '/sys/fs/cgroup/cpu';
  if (existsSync(join(v1, 'cgroup.procs')) && existsSync(join(v1, 'cpu.cfs_quota_us'))) {
    return {
      base: v1,
      root: v1,
      limit: (dir, cores) => {
        writeFileSync(join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
        writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(Math.round(cores * PERIOD_US)));
      },
    };
  }
  const v2 = '/sys/fs/cgroup';
  if (existsSync(join(v2, 'cgroup.controllers')) && readFileSync(join(v2, 'cgroup.controllers'), 'utf8').includes('cpu')) {
    return {
      base: v2,
      root: v2,
      limit: (dir, cores) => {
        writeFileSync(join(v2, 'cgroup.subtree_control'), '+cpu');
        writeFileSync(join(dir, 'cpu.max'), `${Math.round(cores * PERIOD_US)} ${PERIOD_US}`);
      },
    };
  }
  return 'no cgroup cpu controller at /sys/fs/cgroup/cpu (v1) or /sys/fs/cgroup (v2)';
}

export class CpuCaps {
  private readonly dirs: string[] = [];

  private constructor(private readonly l: Layout, readonly cores: number) {}

  /** Caps of `cores` CPUs each, or why this machine cannot make them. */
  static make(cores: number): CpuCaps | string {
    const l = layout();
    if (typeof l === 'string') return l;
    try {
      const probe = new CpuCaps(l, cores);
      probe.machine('probe', []);
      probe.release();
      return new CpuCaps(l, cores);
    } catch (err) {
      return `cannot create a cgroup: ${(err as Error).message}`;
    }
  }

  /** Puts the process trees of `pids` into one machine of `cores` CPUs (default: the caps' size). */
  machine(name: string, pids: number[], cores = this.cores): void {
    const dir = join(this.l.base, `mailcluster-bench-${process.pid}-${name}`);
    mkdirSync(dir, { recursive: true });
    this.dirs.push(dir);
    this.l.limit(dir, cores);
    for (const root of pids) for (const pid of descendants(root)) move(dir, pid);
  }

  release(): void {
    for (const dir of this.dirs.splice(0)) {
      let pids: number[] = [];
      try {
        pids = readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
      } catch {
        continue;
      }
      for (const pid of pids) move(this.l.root, pid);
      try {
        rmdirSync(dir);
      } catch {
        // a process still in it (forked between the read and the moves): the next read finds it
        for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number)) move(this.l.root, pid);
        rmdirSync(dir);
      }
    }
  }
}

function move(dir: string, pid: number): void {
  try {
    writeFileSync(join(dir, 'cgroup.procs'), String(pid));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err; // exited meanwhile
  }
}
