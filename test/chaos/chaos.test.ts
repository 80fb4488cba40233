/**
 * The chaos suite in `npm test`: a 45 s run of the short mode (3 nodes, 3-member etcd, workload
 * and nemesis, heal, four checkers) must end with zero violations — and must really have done
 * something: faults injected, operations acknowledged, messages stored. CHAOS_SEED reproduces a
 * run; the seed is in every failure message.
 */
import { expect, it } from 'vitest';
import { runChaos, SHORT } from './chaos.ts';
import { textReport } from './report.ts';

const seed = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : Math.floor(Math.random() * 1_000_000);

it(`survives the nemesis with zero violations (seed ${seed})`, async () => {
  const r = await runChaos({ ...SHORT, seed, workloadMs: 45_000 });
  const report = textReport(r);
  process.stdout.write(report);
  expect(r.history.nemesis.length, report).toBeGreaterThanOrEqual(3);
  expect(r.history.ops.filter((o) => o.result === 'ok').length, report).toBeGreaterThan(100);
  expect(r.history.final.accounts.some((a) => a.messages.length > 0), report).toBe(true);
  expect(r.violations, `seed ${seed}:\n${report}`).toEqual([]);
}, 240_000);
