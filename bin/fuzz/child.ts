/**
 * One target's fuzzing process (started by main.ts): replays the corpus to learn its coverage,
 * then until the deadline picks a corpus input (sometimes spliced with another), mutates it
 * (test/unit/fuzz/mutate.ts), runs it through the target and keeps it when it reached a block no
 * earlier input did (coverage is taken per batch of inputs, see batch()). Failures are saved as reproducers, once per distinct reason: a SlowInputError
 * as `slow`, an input that used over HANG_MS of CPU as `hang`, any other exception as `crash`; over the
 * RSS bound the input is saved as `memory` and the process exits 3 (the parent starts a new one).
 *
 *   node bin/run-ts.js bin/fuzz/child.ts <target> <deadline epoch ms> <rss MB> <seed>
 */
import { writeFileSync } from 'node:fs';
import { SlowInputError } from '../../test/unit/fuzz/bounded.ts';
import { mutateOnce } from '../../test/unit/fuzz/mutate.ts';
import { Corpus, saveCrash, type CrashKind } from './corpus.ts';
import { CoverageMap } from './coverage.ts';
import { BEAT_MS, HANG_MS, type ChildMessage, type Stats } from './protocol.ts';
import { TARGETS } from './targets.ts';

const [name = '', deadlineArg = '0', rssArg = '1024', seedArg = '1'] = process.argv.slice(2);
const target = TARGETS[name];
if (!target) throw new Error(`unknown target ${name}`);
const deadline = Number(deadlineArg);
const rssLimit = Number(rssArg) * 1024 * 1024;

/** mulberry32: a small seeded generator, so a run can be repeated with --seed. */
let state = Number(seedArg) >>> 0;
function random(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;

const send = (m: ChildMessage): void => void process.send?.(m);
const corpus = new Corpus(name);
const coverage = new CoverageMap();
const stats: Stats = { execs: 0, corpus: 0, blocks: 0, crashes: 0, slowestMs: 0, peakRssMb: 0 };
const reasons = new Set<string>();
let lastBeat = 0;

function beat(force = false): void {
  const now = Date.now();
  if (!force && now - lastBeat < BEAT_MS) return;
  lastBeat = now;
  stats.corpus = corpus.inputs.length;
  stats.blocks = coverage.blocks;
  send({ type: 'beat', stats });
}

function failure(kind: CrashKind, input: Buffer, reason: string): void {
  const key = `${kind}:${reason.split('\n')[0]!.replace(/\d+(\.\d+)?/g, 'N')}`;
  if (reasons.has(key)) return;
  reasons.add(key);
  stats.crashes++;
  send({ type: 'crash', kind, path: saveCrash(name, kind, input, reason), reason });
}

/** Runs one input (coverage is the caller's to take). */
async function exec(input: Buffer): Promise<void> {
  beat();
  writeFileSync(corpus.currentPath, input);
  const start = performance.now();
  const cpu = process.cpuUsage();
  try {
    await target!.run(input);
  } catch (err) {
    const reason = err instanceof Error ? `${err.stack ?? err.message}` : String(err);
    failure(err instanceof SlowInputError ? 'slow' : 'crash', input, reason);
  }
  const ms = performance.now() - start;
  stats.execs++;
  stats.slowestMs = Math.max(stats.slowestMs, ms);
  // an input that finished: a hang when it used over HANG_MS of CPU (wall time alone may be the
  // machine's load, or the target's own sleeps); one that never finishes the parent kills
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  if (cpuMs > HANG_MS) failure('hang', input, `took ${cpuMs.toFixed(0)} ms of CPU, ${ms.toFixed(0)} ms in all (watchdog ${HANG_MS} ms)`);
  const rss = process.memoryUsage.rss();
  stats.peakRssMb = Math.max(stats.peakRssMb, rss / 1048576);
  if (rss > rssLimit) {
    failure('memory', input, `RSS ${(rss / 1048576).toFixed(0)} MB over the ${rssLimit / 1048576} MB bound after this input`);
    beat(true);
    process.exit(3);
  }
}

/**
 * Runs a batch and keeps the inputs that reached new blocks: one coverage take for the batch, and
 * only when it found some, the batch again input by input to see whose they are.
 */
async function batch(inputs: Buffer[]): Promise<void> {
  for (const input of inputs) await exec(input);
  const fresh = await coverage.take();
  if (fresh.size === 0) return;
  for (const input of inputs) {
    await exec(input);
    const mine = [...(await coverage.take())].filter((b) => fresh.has(b));
    if (mine.length === 0) continue;
    corpus.add(input);
    coverage.commit(mine);
    for (const b of mine) fresh.delete(b);
  }
  coverage.commit(fresh); // reached only by inputs together (state across runs): not attributable
}

/** A corpus input, or the front of one and the back of another. */
function parent(): Buffer {
  const a = pick(corpus.inputs);
  if (corpus.inputs.length < 2 || random() > 0.1) return a;
  const b = pick(corpus.inputs);
  return Buffer.concat([a.subarray(0, Math.floor(random() * (a.length + 1))), b.subarray(Math.floor(random() * (b.length + 1)))]);
}

await coverage.start();
corpus.load(target.seeds());
for (const input of [...corpus.inputs]) await exec(input); // learn what the corpus covers
coverage.commit(await coverage.take());
const BATCH = 16;
while (Date.now() < deadline) {
  const inputs = Array.from({ length: BATCH }, () => mutateOnce(parent(), Math.floor(random() * 2 ** 31), target.tokens));
  await batch(inputs);
}
coverage.stop();
stats.corpus = corpus.inputs.length;
stats.blocks = coverage.blocks;
send({ type: 'done', stats });
process.disconnect?.();
