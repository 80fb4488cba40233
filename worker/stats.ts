/**
 * The figures a node publishes in its `nodes/<name>` value for `mailcluster status` and the
 * dashboard: load average, memory and CPUs (its container's limits where it has them, else the
 * host's), free space on the shared root, sessions per protocol, queue depth. Collected without blocking: statfs is the only I/O, and a failure leaves zeros.
 */
import { statfs } from 'node:fs/promises';
import { availableParallelism, freemem, loadavg, totalmem } from 'node:os';
import type { NodeValue } from '../src/cluster/values.ts';
import { containerLimits } from './container-limits.ts';

export type NodeStats = NonNullable<NodeValue['stats']>;

export interface StatsSources {
  storageRoot: string;
  sessions: () => Record<string, number>;
  queueDepth: () => number;
}

export class StatsCollector {
  private last: NodeStats | undefined;

  constructor(private readonly s: StatsSources) {}

  /** The most recent figures (undefined before the first collect()). */
  get current(): NodeStats | undefined { return this.last; }

  async collect(): Promise<NodeStats> {
    let diskFreeBytes = 0;
    let diskTotalBytes = 0;
    try {
      const fs = await statfs(this.s.storageRoot);
      diskFreeBytes = fs.bavail * fs.bsize;
      diskTotalBytes = fs.blocks * fs.bsize;
    } catch {
      // storage missing: /readyz reports it; status shows 0
    }
    // the container's limits, where it has them: a pod's figures, not the host's
    const limits = containerLimits();
    const hostCpus = availableParallelism();
    const memTotal = Math.min(totalmem(), limits.memoryLimitBytes ?? Infinity);
    const memFree = limits.memoryLimitBytes !== undefined && limits.memoryUsedBytes !== undefined ? Math.max(0, memTotal - limits.memoryUsedBytes) : freemem();
    this.last = {
      load1: Math.round(loadavg()[0]! * 100) / 100,
      cpus: limits.cpuQuota !== undefined ? Math.min(hostCpus, Math.round(limits.cpuQuota * 100) / 100) : hostCpus,
      rssBytes: process.memoryUsage.rss(),
      memTotalBytes: memTotal,
      memFreeBytes: Math.min(memFree, memTotal),
      diskFreeBytes,
      diskTotalBytes,
      sessions: this.s.sessions(),
      queueDepth: this.s.queueDepth(),
      at: Date.now(),
    };
    return this.last;
  }
}
