/**
 * One chaos run: a 3-node cluster on a 3-member etcd (real processes, supervised: what is killed
 * comes back), the workload and the nemesis for `workloadMs`, then heal (SIGCONT everything, wait
 * for every process and a controller), give the spools 20 s to drain, read the end state from the
 * shared storage and the serving intervals from the node logs, and run the four checkers.
 * As root with cgroup2 and iptables, the nemesis also partitions nodes from etcd (partition.ts).
 * Every process started is stopped before it returns (or throws).
 */
import { join } from 'node:path';
import { LEASE_TTL_MS, startTestCluster, type TestCluster } from '../harness/cluster.ts';
import { addAccounts } from '../harness/mail.ts';
import type { SupervisorEvent } from '../../src/devcluster/supervisor.ts';
import { checkMailboxes } from './checkers/mailbox.ts';
import { checkMessages } from './checkers/messages.ts';
import { checkServing, servingIntervals, type ServingLogLine } from './checkers/serving.ts';
import { checkStorage, QUEUE_DRAIN_WINDOW_MS } from './checkers/storage.ts';
import type { History, Violation } from './history.ts';
import { Nemesis, notRun } from './nemesis.ts';
import { Partitioner } from './partition.ts';
import { readAccount, waitQueuesEmpty } from './observe.ts';
import { Rng } from './rng.ts';
import { Workload, type NodePorts } from './workload.ts';

export interface ChaosOptions {
  seed: number;
  mode: string;
  workloadMs: number;
  maxOps: number;
  hotAccounts: number;
  coldAccounts: number;
  workers: number;
  /** Pause between faults, ms (uniform in the range). */
  nemesisGapMs: [number, number];
  progress?: (line: string) => void;
}

export const SHORT: Omit<ChaosOptions, 'seed'> = { mode: 'short', workloadMs: 60_000, maxOps: 3000, hotAccounts: 3, coldAccounts: 30, workers: 4, nemesisGapMs: [3000, 6000] };
export const LONG: Omit<ChaosOptions, 'seed'> = { ...SHORT, mode: 'long', workloadMs: 570_000, maxOps: 40_000, coldAccounts: 100 };

export interface ChaosResult {
  seed: number;
  mode: string;
  startedAt: string;
  workloadMs: number;
  healMs: number;
  queueDrainMs: number | undefined;
  totalMs: number;
  supervisor: SupervisorEvent[];
  notRun: Record<string, string>;
  violations: Violation[];
  history: History;
}

const PASSWORD = 'chaos-password-1';

function ports(c: TestCluster): NodePorts[] {
  return c.nodes.map((n) => ({ name: n.name, smtp: Number(n.env.MAILCLUSTER_PORTS_SMTP), imap: Number(n.env.MAILCLUSTER_PORTS_IMAP), pop3: Number(n.env.MAILCLUSTER_PORTS_POP3) }));
}

export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const say = o.progress ?? (() => undefined);
  const t0 = Date.now();
  const supervisor: SupervisorEvent[] = [];
  const partitions = Partitioner.probe();
  if (typeof partitions === 'string') say(`NOT RUN: partition-node: ${partitions}`);
  const cgroup = typeof partitions === 'string' ? {} : { cgroupRoot: partitions.root };
  let c: TestCluster;
  try {
    c = await startTestCluster({ etcdMembers: 3, restart: true, ...cgroup, onSupervisorEvent: (e) => { supervisor.push(e); say(`supervisor: ${JSON.stringify(e)}`); } });
  } catch (err) {
    if (typeof partitions !== 'string') partitions.close();
    throw err;
  }
  try {
    await c.electedController(30_000);
    const hot = Array.from({ length: o.hotAccounts }, (_, i) => `hot${i}`);
    const cold = Array.from({ length: o.coldAccounts }, (_, i) => `cold${i}`);
    const accounts = await addAccounts(c, 'chaos.test', [...hot, ...cold], PASSWORD);
    const hotAccounts = accounts.slice(0, hot.length);
    const rng = new Rng(o.seed);
    const workload = new Workload({ rng: new Rng(rng.int(1, 2 ** 31)), nodes: () => ports(c), hot: hotAccounts, cold: accounts.slice(hot.length), password: PASSWORD, workers: o.workers, maxOps: o.maxOps, opTimeoutMs: 15_000, idPrefix: `s${o.seed}` });
    const nemesis = new Nemesis({ rng: new Rng(rng.int(1, 2 ** 31)), cluster: c, hot: hotAccounts, leaseTtlMs: LEASE_TTL_MS, gapMs: o.nemesisGapMs, ...(typeof partitions === 'string' ? {} : { partitions }) });
    say(`seed ${o.seed}: workload and nemesis for ${o.workloadMs / 1000} s`);
    const wStart = Date.now();
    const running = [workload.run(), nemesis.run()];
    const timer = setTimeout(() => { nemesis.stop(); workload.stop(); }, o.workloadMs);
    await running[0];
    nemesis.stop();
    clearTimeout(timer);
    await running[1];
    const workloadMs = Date.now() - wStart;
    say(`workload done: ${workload.ops.length} operations, ${nemesis.events.length} faults; healing`);

    const hStart = Date.now();
    if (typeof partitions !== 'string') partitions.healAll();
    for (const n of c.nodes) n.resume();
    if (!(await nemesis.healed(60_000))) throw new Error('the cluster did not heal within 60 s (a process stayed down)');
    await c.electedController(30_000);
    const healMs = Date.now() - hStart;
    const root = join(c.local.dataDir, 'shared');
    const drained = await waitQueuesEmpty(root, QUEUE_DRAIN_WINDOW_MS);
    say(`healed in ${healMs} ms; queues ${drained.ms === undefined ? 'NOT empty' : `empty after ${drained.ms} ms`}`);

    const intervals = c.nodes.flatMap((n) => servingIntervals(n.name, n.logs as ServingLogLine[]));
    const history: History = {
      ops: workload.ops,
      nemesis: nemesis.events,
      intervals,
      final: { accounts: accounts.map((a) => readAccount(root, a)), queueLeft: drained.left, queueDrainMs: drained.ms },
    };
    return { seed: o.seed, mode: o.mode, startedAt: new Date(t0).toISOString(), workloadMs, healMs, queueDrainMs: drained.ms, totalMs: Date.now() - t0, supervisor, notRun: notRun(partitions), violations: check(history), history };
  } finally {
    await c.stop();
    if (typeof partitions !== 'string') partitions.close();
  }
}

/** All four checkers over one history. */
export function check(h: History): Violation[] {
  return [...checkMessages(h), ...checkServing(h.intervals), ...checkMailboxes(h), ...checkStorage(h.final)];
}
