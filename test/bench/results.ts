/**
 * The shape of a benchmark's results file (bench-results/<bench>.json), read by bin/bench-report.ts
 * to write BENCHMARKS.md and its chart. A cell is one workload; each metric is the median over
 * `runs` interleaved runs of ours and of the peer. Only measured figures go in here.
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';

export interface BenchMetric { name: string; ours: number; peer: number; higherIsBetter: boolean }
export interface BenchCell { bench: string; machine: string; label: string; runs: number; metrics: BenchMetric[] }

export interface MachineInfo { date: string; commit: string; node: string; cpus: string; memoryGiB: number; loadAverageStart: number[]; loadAverageEnd?: number[]; settings?: Record<string, string> }

const startLoad = loadavg();

/** Date, commit, CPU model and count, memory, and the load average when the bench started and now. */
export function machineInfo(): MachineInfo {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    if (execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim()) commit += ' (modified)';
  } catch { /* not a git checkout */ }
  return {
    date: new Date().toISOString(), commit, node: process.version,
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`, memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadAverageStart: startLoad.map((x) => Number(x.toFixed(2))), loadAverageEnd: loadavg().map((x) => Number(x.toFixed(2))),
    settings: Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('BENCH_') && e[1] !== undefined)),
  };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
