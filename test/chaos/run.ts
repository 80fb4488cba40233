/**
 * `npm run test:chaos [-- --seed N] [--long] [--json FILE]`: one chaos run (short: about 90 s;
 * --long: about 10 minutes), a text report on stdout, the JSON report (with the whole history) in
 * reports/chaos/chaos-<seed>.json or FILE, and an SVG timeline beside it (same name, .svg).
 * Exits 1 on any violation, 2 if the run itself broke.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { LONG, runChaos, SHORT } from './chaos.ts';
import { jsonReport, textReport } from './report.ts';
import { svgTimeline } from './timeline.ts';

const { values } = parseArgs({ options: { seed: { type: 'string' }, long: { type: 'boolean', default: false }, json: { type: 'string' } } });
const seed = values.seed === undefined ? Math.floor(Math.random() * 1_000_000) : Number(values.seed);
if (!Number.isInteger(seed) || seed < 0) {
  process.stderr.write('--seed must be a non-negative integer\n');
  process.exit(2);
}
const base = values.long ? LONG : SHORT;
try {
  const result = await runChaos({ ...base, seed, progress: (l) => process.stderr.write(`[chaos] ${l}\n`) });
  const file = values.json ?? join('reports', 'chaos', `chaos-${seed}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, jsonReport(result));
  const svg = file.replace(/\.json$/, '') + '.svg';
  writeFileSync(svg, svgTimeline(result));
  process.stdout.write(textReport(result));
  process.stdout.write(`JSON report: ${file}\nSVG timeline: ${svg}\n`);
  process.exit(result.violations.length === 0 ? 0 : 1);
} catch (err) {
  process.stderr.write(`chaos run broke (seed ${seed}): ${(err as Error).stack ?? String(err)}\n`);
  process.exit(2);
}
