/**
 * `npm run bench:cluster`: grant latency and throughput of the open-lock service, and controller
 * failover time over repeated kill -9, on a local 3-node cluster with one etcd member.
 *
 * Grant latency is measured at the caller: an `open` RPC to the controller for an account nobody
 * holds, i.e. RPC + placement + one guarded etcd transaction. Failover is measured from the kill to
 * the first new grant obtained through a surviving node.
 */
import { startTestCluster, LEASE_TTL_MS } from '../harness/cluster.ts';
import { ms, pool, summary } from './stats.ts';

const SERIAL = Number(process.env.BENCH_GRANTS ?? 1000);
const PARALLEL = SERIAL * 2;
const KILLS = Number(process.env.BENCH_KILLS ?? 5);

const c = await startTestCluster({ env: { MAILCLUSTER_LOG_LEVEL: 'info' } });
try {
  const ctl = await c.electedController();
  const requester = c.nodes.find((n) => n.name !== ctl)!.name;
  const open = (account: string) => c.rpc(ctl, 'open', { account, requester });

  for (let i = 0; i < 200; i++) await open(`warm${i}@bench.test`);

  const serial: number[] = [];
  let t0 = performance.now();
  for (let i = 0; i < SERIAL; i++) {
    const s = performance.now();
    await open(`serial${i}@bench.test`);
    serial.push(performance.now() - s);
  }
  const serialRate = SERIAL / ((performance.now() - t0) / 1000);

  const parallel: number[] = [];
  t0 = performance.now();
  await pool(PARALLEL, 16, async (i) => {
    const s = performance.now();
    await open(`par${i}@bench.test`);
    parallel.push(performance.now() - s);
  });
  const parallelRate = PARALLEL / ((performance.now() - t0) / 1000);

  const cached: number[] = [];
  for (let i = 0; i < 500; i++) {
    const s = performance.now();
    await open(`serial${i}@bench.test`);
    cached.push(performance.now() - s);
  }

  const gaps: number[] = [];
  for (let k = 0; k < KILLS; k++) {
    const victim = await c.electedController();
    const survivor = c.nodes.find((n) => n.name !== victim)!;
    const killedAt = performance.now();
    await c.node(victim).kill();
    await c.rpc(survivor.name, 'acquire', { account: `failover${k}@bench.test` });
    gaps.push(performance.now() - killedAt);
    await c.node(victim).start();
    await c.electedController();
  }

  const s = summary(serial);
  const p = summary(parallel);
  const h = summary(cached);
  const f = summary(gaps);
  const lines = [
    `mailcluster cluster benchmark — 3 nodes, 1 etcd member, lease TTL ${LEASE_TTL_MS / 1000} s, node ${process.version}`,
    `new grants, serial (n=${s.n}):          p50 ${ms(s.p50)}  p99 ${ms(s.p99)}  max ${ms(s.max)}  ${serialRate.toFixed(0)} grants/s`,
    `new grants, 16 in flight (n=${p.n}):    p50 ${ms(p.p50)}  p99 ${ms(p.p99)}  max ${ms(p.max)}  ${parallelRate.toFixed(0)} grants/s`,
    `existing grant, serial (n=${h.n}):       p50 ${ms(h.p50)}  p99 ${ms(h.p99)}`,
    `controller failover, kill -9 → first new grant (n=${f.n}): ${gaps.map((g) => g.toFixed(0)).join(', ')} ms; mean ${f.mean.toFixed(0)} ms, max ${f.max.toFixed(0)} ms (target ≤ TTL + 500 = ${LEASE_TTL_MS + 500} ms)`,
  ];
  console.log(lines.join('\n'));
} finally {
  await c.stop();
}
