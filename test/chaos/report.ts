/** The chaos report: text for a person (operations, faults, what was not run, violations) and JSON. */
import type { OpKind, Op } from './history.ts';
import type { ChaosResult } from './chaos.ts';

/** Whether the node an operation went to was the account's holder when it began (from the intervals). */
function viaHolder(r: ChaosResult, op: Op): boolean {
  return r.history.intervals.some((iv) => iv.account === op.account && iv.node === op.node && iv.from <= op.start && op.start < iv.until);
}

export function textReport(r: ChaosResult): string {
  const lines: string[] = [];
  const t0 = Math.min(...r.history.ops.map((o) => o.start), Date.parse(r.startedAt));
  const rel = (t: number): string => `${((t - t0) / 1000).toFixed(1).padStart(6)} s`;
  lines.push(`chaos ${r.mode} run, seed ${r.seed}, started ${r.startedAt}; reproduce: npm run test:chaos -- --seed ${r.seed}${r.mode === 'long' ? ' --long' : ''}`);
  lines.push(`workload ${(r.workloadMs / 1000).toFixed(1)} s, heal ${(r.healMs / 1000).toFixed(1)} s, queues ${r.queueDrainMs === undefined ? 'NOT drained' : `drained ${(r.queueDrainMs / 1000).toFixed(1)} s after healing`}, total ${(r.totalMs / 1000).toFixed(1)} s`);
  lines.push('');
  lines.push('operations      total      ok    fail unknown  via-holder  via-proxy');
  const kinds: OpKind[] = ['smtp', 'append', 'store', 'expunge', 'pop3-dele'];
  for (const k of [...kinds, 'all' as const]) {
    const ops = r.history.ops.filter((o) => k === 'all' || o.kind === k);
    const n = (res: string): number => ops.filter((o) => o.result === res).length;
    const holder = ops.filter((o) => viaHolder(r, o)).length;
    lines.push(`  ${k.padEnd(12)} ${String(ops.length).padStart(6)} ${String(n('ok')).padStart(7)} ${String(n('fail')).padStart(7)} ${String(n('unknown')).padStart(7)} ${String(holder).padStart(11)} ${String(ops.length - holder).padStart(10)}`);
  }
  lines.push('  (via-proxy: the node was not serving the account when the operation began; it proxied, or asked for the grant)');
  lines.push('');
  lines.push(`nemesis: ${r.history.nemesis.length} faults (seconds since the cluster started)`);
  for (const e of r.history.nemesis) lines.push(`  ${rel(e.at)}  ${e.action.padEnd(17)} ${e.target.padEnd(8)} ${e.detail ?? ''}`.trimEnd());
  const restarts = r.supervisor.filter((e) => e.event === 'restarted');
  lines.push(`supervisor: ${restarts.length} restarts (${restarts.map((e) => `${e.name} after ${(('downMs' in e ? e.downMs : 0) / 1000).toFixed(1)} s`).join(', ') || 'none'})`);
  for (const [fault, why] of Object.entries(r.notRun)) lines.push(`NOT RUN: ${fault}: ${why}`);
  lines.push('');
  const checkers = ['messages', 'serving', 'mailbox', 'storage'];
  for (const name of checkers) {
    const vs = r.violations.filter((v) => v.checker === name);
    lines.push(`check ${name.padEnd(9)} ${vs.length === 0 ? 'ok' : `${vs.length} VIOLATIONS`}`);
    for (const v of vs.slice(0, 20)) lines.push(`  ${v.account ?? ''} ${v.message}`);
    if (vs.length > 20) lines.push(`  … and ${vs.length - 20} more (see the JSON report)`);
  }
  lines.push(`serving intervals: ${r.history.intervals.length}; stored messages: ${r.history.final.accounts.reduce((a, s) => a + s.messages.length, 0)}`);
  lines.push(r.violations.length === 0 ? 'RESULT: PASS (0 violations)' : `RESULT: FAIL (${r.violations.length} violations)`);
  return `${lines.join('\n')}\n`;
}

export function jsonReport(r: ChaosResult): string {
  return JSON.stringify(r, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : typeof v === 'bigint' ? String(v) : v), 2);
}
