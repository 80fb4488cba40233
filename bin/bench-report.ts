/**
 * `npm run bench:report` (the last step of `npm run bench`): reads bench-results/*.json and writes
 * BENCHMARKS.md (one table per results file, the machine, date, commit and load average of that
 * run, how to reproduce it) and bench-results/chart.svg (ours against the peer, as a ratio).
 * Writes only what the results files hold.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { BenchCell, MachineInfo } from '../test/bench/results.ts';
import { barChart } from '../test/bench/svg-chart.ts';

interface ResultsFile extends MachineInfo { messages?: number; accounts?: number; note?: string; cells: BenchCell[] }

const DIR = 'bench-results';
const files = existsSync(DIR) ? readdirSync(DIR).filter((f) => f.endsWith('.json')).sort() : [];
if (files.length === 0) throw new Error(`no results in ${DIR}/: run a benchmark first (npm run bench:smtp)`);

const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const out: string[] = [
  '# Benchmarks',
  '',
  'Written by `npm run bench` (`bin/bench-report.ts` from `bench-results/*.json`); do not edit by hand.',
  'The yardstick is the same hardware for both sides (one shared machine) and CPU per operation.',
  'Every figure is the median of the interleaved runs named, the two sides alternating who runs first.',
  'The machine may be shared with other work while a bench runs: the load average of each run says how much.',
  'SMTP has no p50/p99: smtp-source reports no per-message latency, and no latency is written that was not measured.',
  '',
  '![ours / peer](bench-results/chart.svg)',
  '',
];
const bars: Array<{ label: string; value: number }> = [];
for (const f of files) {
  const r = JSON.parse(readFileSync(`${DIR}/${f}`, 'utf8')) as ResultsFile;
  out.push(`## ${f.replace(/\.json$/, '')}`, '');
  out.push(`Run ${r.date} at commit \`${r.commit}\`, Node ${r.node}, ${r.cpus}, ${r.memoryGiB} GiB.`);
  out.push(`Load average (1, 5, 15 min) at start ${r.loadAverageStart.join(', ')}, at end ${r.loadAverageEnd?.join(', ') ?? '?'}.`);
  if (r.messages) out.push(`${r.messages} messages per run to ${r.accounts} accounts.`);
  if (r.note) out.push(r.note);
  const settings = Object.entries(r.settings ?? {});
  out.push(settings.length ? `Settings (sizes differ from the defaults): ${settings.map(([k, v]) => `\`${k}=${v}\``).join(' ')}.` : 'Default sizes.');
  out.push('', '| machine | workload | metric | ours | peer | ours / peer | runs |', '|---|---|---|---:|---:|---:|---:|');
  for (const c of r.cells) {
    for (const m of c.metrics) {
      const ratio = m.ours / m.peer;
      out.push(`| ${c.machine} | ${c.label} | ${m.name} | ${fmt(m.ours)} | ${fmt(m.peer)} | ${ratio.toFixed(2)}× | ${c.runs} |`);
      // the chart shows "how many times better": >1 means ours wins, whichever way the metric points
      bars.push({ label: `${c.bench} ${c.label} ${m.name}${c.machine === 'shared' ? '' : ` (${c.machine})`}`, value: m.higherIsBetter ? ratio : 1 / ratio });
    }
  }
  out.push('');
}
out.push(
  '## Reproduce',
  '',
  '```sh',
  'sudo bash bin/system-deps.sh --bench   # postfix, dovecot, smtp-source (Debian)',
  'sudo npm run bench                     # every bench, then this file and the chart',
  'sudo BENCH_MESSAGES=300 BENCH_SIZES=4096 BENCH_SESSIONS=10 npm run bench:smtp && npm run bench:report',
  '```',
  '',
  'Root is needed: the peers (Postfix, Dovecot) drop privileges, and equal machines (`BENCH_MACHINES=equal`)',
  'use cgroup CPU quotas. The peers run from the configs in `test/bench/peer/`, written to a temporary',
  'directory per run; nothing under /etc is changed.',
  '',
);
writeFileSync('BENCHMARKS.md', out.join('\n'));
writeFileSync(`${DIR}/chart.svg`, barChart('mailcluster ÷ peer (above 1: mailcluster better)', bars));
console.log(`wrote BENCHMARKS.md and ${DIR}/chart.svg from ${files.join(', ')}`);
