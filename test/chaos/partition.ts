/**
 * Partitioning a node from etcd, as root: each node runs in its own cgroup v2
 * (`<cgroup2 mount>/mailcluster-chaos-<pid>/<node>`, see NodeProcess.cgroupDir), and an iptables
 * rule drops what that cgroup sends over loopback to the etcd client ports. The node keeps
 * serving clients and its peers but cannot renew its lease: it must fence itself before the
 * lease expires. Every rule carries the comment `mailcluster-chaos-<pid>`; close() removes every
 * rule it added and the cgroups. `probe()` says why partitions cannot run here, or undefined.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function cgroup2Mount(): string | undefined {
  try {
    for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
      const [, dir, type] = line.split(' ');
      if (type === 'cgroup2' && dir) return dir;
    }
  } catch { /* not Linux */ }
  return undefined;
}

export class Partitioner {
  readonly root: string;
  readonly rel: string;
  private readonly comment = `mailcluster-chaos-${process.pid}`;
  private readonly rules = new Map<string, string[]>();

  private constructor(mount: string) {
    this.rel = `mailcluster-chaos-${process.pid}`;
    this.root = join(mount, this.rel);
  }

  /** A Partitioner when this machine can do it (root, cgroup2, iptables with the cgroup match); else why not. */
  static probe(): Partitioner | string {
    if (process.getuid?.() !== 0) return 'needs root (iptables and cgroups)';
    const mount = cgroup2Mount();
    if (!mount) return 'no cgroup2 file system mounted';
    const p = new Partitioner(mount);
    try {
      mkdirSync(join(p.root, 'probe'), { recursive: true });
      const rule = p.rule('probe', [1]);
      execFileSync('iptables', ['-I', ...rule], { stdio: 'pipe' });
      execFileSync('iptables', ['-D', ...rule], { stdio: 'pipe' });
      rmdirSync(join(p.root, 'probe'));
      return p;
    } catch (err) {
      p.close();
      return `iptables with the cgroup match failed: ${((err as { stderr?: Buffer }).stderr?.toString() || (err as Error).message).trim().slice(0, 160)}`;
    }
  }

  private rule(node: string, ports: number[]): string[] {
    return ['OUTPUT', '-o', 'lo', '-p', 'tcp', '-m', 'cgroup', '--path', `${this.rel}/${node}`, '-m', 'multiport', '--dports', ports.join(','), '-m', 'comment', '--comment', this.comment, '-j', 'DROP'];
  }

  /** Drops everything `node` sends to the etcd client `ports`. */
  cut(node: string, ports: number[]): void {
    if (this.rules.has(node)) return;
    const r = this.rule(node, ports);
    execFileSync('iptables', ['-I', ...r], { stdio: 'pipe' });
    this.rules.set(node, r);
  }

  heal(node: string): void {
    const r = this.rules.get(node);
    if (!r) return;
    execFileSync('iptables', ['-D', ...r], { stdio: 'pipe' });
    this.rules.delete(node);
  }

  healAll(): void {
    for (const node of [...this.rules.keys()]) this.heal(node);
  }

  /** Heals every partition and removes the (empty: call after the nodes stopped) cgroups. */
  close(): void {
    this.healAll();
    if (!existsSync(this.root)) return;
    for (const d of readdirSync(this.root).filter((n) => statSync(join(this.root, n)).isDirectory())) {
      try { rmdirSync(join(this.root, d)); } catch { /* still has a process, or not a cgroup */ }
    }
    try { rmdirSync(this.root); } catch { /* left: not empty */ }
  }
}
