/**
 * Baseline: the latency of one guarded etcd transaction from Node (etcd3 client), the floor under
 * a grant. Run: node bin/run-ts.js test/bench/etcd-raw.bench.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdProcess } from '../../src/devcluster/etcd-process.ts';
import { createEtcd } from '../../src/cluster/etcd.ts';
import { ms, pool, summary } from './stats.ts';

const dir = mkdtempSync(join(tmpdir(), 'mailcluster-etcdbench-'));
const etcd = new EtcdProcess(join(dir, 'etcd'));
await etcd.start();
const client = createEtcd({ endpoints: [etcd.endpoint], requestTimeoutMs: 5000 });
try {
  const txn = (k: string) => client.if(k, 'Create', '==', 0).then(client.put(k).value('x')).commit();
  for (let i = 0; i < 100; i++) await txn(`/warm/${i}`);
  const serial: number[] = [];
  for (let i = 0; i < 500; i++) {
    const s = performance.now();
    await txn(`/serial/${i}`);
    serial.push(performance.now() - s);
  }
  const par: number[] = [];
  const t0 = performance.now();
  await pool(1000, 16, async (i) => {
    const s = performance.now();
    await txn(`/par/${i}`);
    par.push(performance.now() - s);
  });
  const rate = 1000 / ((performance.now() - t0) / 1000);
  const reads: number[] = [];
  for (let i = 0; i < 500; i++) {
    const s = performance.now();
    await client.get(`/serial/${i}`).string();
    reads.push(performance.now() - s);
  }
  const a = summary(serial), b = summary(par), r = summary(reads);
  console.log(`raw etcd txn serial: p50 ${ms(a.p50)} p99 ${ms(a.p99)}; 16 in flight: p50 ${ms(b.p50)} p99 ${ms(b.p99)} ${rate.toFixed(0)}/s; linearizable get: p50 ${ms(r.p50)}`);
} finally {
  client.close();
  await etcd.stop();
  rmSync(dir, { recursive: true, force: true });
}
