/**
 * The figures a node publishes in its `nodes/<name>` value for `mailcluster status` and the
 * dashboard: load average, memory, free space on the shared root, sessions per protocol, queue
 * depth. Collected without blocking: statfs is the only I/O, and a failure leaves zeros.
 */
import { statfs } from 'node:fs/promises';
import { availableParallelism, freemem, loadavg, totalmem } from 'node:os';
import type { NodeValue } from '../src/cluster/values.ts';

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
    this.last = {
      load1: Math.round(loadavg()[0]! * 100) / 100,
      cpus: availableParallelism(),
      rssBytes: process.memoryUsage.rss(),
      memTotalBytes: totalmem(),
      memFreeBytes: freemem(),
      diskFreeBytes,
      diskTotalBytes,
      sessions: this.s.sessions(),
      queueDepth: this.s.queueDepth(),
      at: Date.now(),
    };
    return this.last;
  }
}
