/**
 * `npm run fuzz`: a bounded, coverage-guided fuzzing run over the IMAP, POP3 and SMTP input paths
 * and the MIME path (test/unit/fuzz/targets/), one target after the other, each in a child process
 * (child.ts) that keeps the inputs reaching new blocks of src/ and worker/ (V8 precise coverage).
 * This process is the watchdog: a child that spent HANG_MS (plus slack) of CPU since it last said
 * it was alive, or STALL_MS of wall time, is stuck on an input, which is saved as a `hang`
 * reproducer, and a new child goes on (CPU, not wall time: on a loaded machine a busy but healthy
 * child can be silent for seconds); a child that dies (out of heap) leaves
 * its input as a `memory` or `crash` reproducer. Exits 1 when anything was found.
 *
 *   npm run fuzz [-- --time 60] [--targets imap,pop3,smtp,mime] [--rss 1024] [--heap 512] [--seed N]
 *   npm run fuzz -- --replay .fuzz/crashes/mime-slow-0123abcd.bin [--target mime]
 *
 * Prints per target: execs, execs/s, corpus size, covered blocks, distinct failures, the slowest
 * input (ms, whole target run) and the child's peak RSS.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { saveCurrent, type CrashKind } from './corpus.ts';
import { HANG_MS, type ChildMessage, type Stats } from './protocol.ts';
import { TARGET_NAMES, TARGETS } from './targets.ts';

interface Options { time: number; targets: string[]; rss: number; heap: number; seed: number; replay?: string; target?: string }

function parseArgs(argv: string[]): Options {
  const o: Options = { time: 60, targets: TARGET_NAMES, rss: 1024, heap: 512, seed: Date.now() % 2 ** 31 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i]!, argv[i + 1]];
    const need = (): string => {
      if (value === undefined) throw new Error(`${flag} needs a value`);
      i++;
      return value;
    };
    if (flag === '--time') o.time = Number(need());
    else if (flag === '--targets') o.targets = need().split(',');
    else if (flag === '--rss') o.rss = Number(need());
    else if (flag === '--heap') o.heap = Number(need());
    else if (flag === '--seed') o.seed = Number(need());
    else if (flag === '--replay') o.replay = need();
    else if (flag === '--target') o.target = need();
    else throw new Error(`unknown flag ${flag} (see bin/fuzz/main.ts)`);
  }
  for (const t of o.targets) if (!TARGETS[t]) throw new Error(`unknown target ${t}: ${TARGET_NAMES.join(', ')}`);
  return o;
}

/** Runs one reproducer in this process: 0 when the target holds on it, 1 when it fails. */
async function replay(file: string, name: string | undefined): Promise<number> {
  const t = name ?? basename(file).split('-')[0]!;
  const target = TARGETS[t];
  if (!target) throw new Error(`which target? name it with --target (${TARGET_NAMES.join(', ')})`);
  const input = readFileSync(file);
  const start = performance.now();
  try {
    await target.run(input);
    console.log(`${t}: ${input.length} bytes, ok in ${(performance.now() - start).toFixed(1)} ms`);
    return 0;
  } catch (err) {
    console.log(`${t}: ${input.length} bytes, failed after ${(performance.now() - start).toFixed(1)} ms:\n${err instanceof Error ? err.stack : String(err)}`);
    return 1;
  }
}

/** Wall time without a word from the child after which it is stuck even if it uses no CPU. */
const STALL_MS = 20_000;
const TICK_MS = 1000 / 100; // USER_HZ, 100 on Linux

/** CPU (user + system) a process has used, from /proc/<pid>/stat; undefined when unreadable. */
function cpuOf(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime, stime (fields 14, 15)
  } catch {
    return undefined;
  }
}

interface Totals extends Stats { found: Array<{ kind: CrashKind; path: string }> }

/** One child until it finishes, dies or hangs; resolves with its last stats. */
function runChild(name: string, deadline: number, o: Options, seed: number, totals: Totals): Promise<{ stats?: Stats; finished: boolean }> {
  const child = spawn(process.execPath, [`--max-old-space-size=${o.heap}`, 'bin/run-ts.js', 'bin/fuzz/child.ts', name, String(deadline), String(o.rss), String(seed)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const current = `.fuzz/${name}/.current`;
  let last: Stats | undefined;
  let lastBeat = 0; // 0: still starting (loading modules), no watchdog yet
  let cpuAtBeat = 0;
  let hung = false;
  const record = (kind: CrashKind, path: string | undefined): void => {
    if (path && !totals.found.some((f) => f.path === path)) totals.found.push({ kind, path });
  };
  child.on('message', (m: ChildMessage) => {
    lastBeat = Date.now();
    cpuAtBeat = cpuOf(child.pid) ?? 0;
    if (m.type === 'crash') {
      record(m.kind, m.path);
      console.log(`  ${name}: ${m.kind} → ${m.path}\n    ${m.reason.split('\n')[0]}`);
    } else last = m.stats;
  });
  const watchdog = setInterval(() => {
    const cpu = cpuOf(child.pid);
    if (lastBeat && ((cpu !== undefined && cpu - cpuAtBeat > HANG_MS + 500) || Date.now() - lastBeat > STALL_MS)) {
      hung = true;
      child.kill('SIGKILL');
    }
  }, 100);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      clearInterval(watchdog);
      if (hung) {
        const path = saveCurrent(name, 'hang', current, `no progress for ${HANG_MS + 500} ms of CPU (or ${STALL_MS} ms): the child was killed on this input`);
        record('hang', path);
        console.log(`  ${name}: hang → ${path}`);
        totals.slowestMs = Math.max(totals.slowestMs, HANG_MS + 500);
      } else if (code !== 0 && code !== 3) {
        const kind: CrashKind = signal === 'SIGABRT' || code === 134 ? 'memory' : 'crash';
        const path = saveCurrent(name, kind, current, `the child died (code ${code}, signal ${signal}) on this input`);
        record(kind, path);
        console.log(`  ${name}: ${kind} (child died, code ${code}, signal ${signal}) → ${path}`);
      }
      resolve({ ...(last ? { stats: last } : {}), finished: code === 0 && !hung });
    });
  });
}

async function fuzzTarget(name: string, o: Options): Promise<Totals> {
  const totals: Totals = { execs: 0, corpus: 0, blocks: 0, crashes: 0, slowestMs: 0, peakRssMb: 0, found: [] };
  const start = Date.now();
  const deadline = start + o.time * 1000;
  for (let n = 0; ; n++) {
    const { stats, finished } = await runChild(name, deadline, o, o.seed + n, totals);
    if (stats) {
      totals.execs += stats.execs;
      totals.corpus = stats.corpus;
      totals.blocks = Math.max(totals.blocks, stats.blocks);
      totals.slowestMs = Math.max(totals.slowestMs, stats.slowestMs);
      totals.peakRssMb = Math.max(totals.peakRssMb, stats.peakRssMb);
    }
    if (finished || Date.now() >= deadline - 1000) break;
  }
  totals.crashes = totals.found.length;
  const secs = (Date.now() - start) / 1000;
  console.log(`${name.padEnd(5)} execs ${totals.execs}  execs/s ${(totals.execs / secs).toFixed(0)}  corpus ${totals.corpus}  blocks ${totals.blocks}  crashes ${totals.crashes}  slowest ${totals.slowestMs.toFixed(0)} ms  peak RSS ${totals.peakRssMb.toFixed(0)} MB`);
  return totals;
}

const o = parseArgs(process.argv.slice(2));
if (o.replay) process.exit(await replay(o.replay, o.target));
console.log(`fuzzing ${o.targets.join(', ')} for ${o.time} s each (seed ${o.seed}, RSS bound ${o.rss} MB, heap ${o.heap} MB)`);
let failed = 0;
for (const name of o.targets) failed += (await fuzzTarget(name, o)).crashes;
if (failed) console.log(`${failed} reproducer(s) under .fuzz/crashes/ (replay one: npm run fuzz -- --replay FILE)`);
process.exit(failed ? 1 : 0);
