/**
 * `npm run bench:smtp`: inbound SMTP, side by side in one run with Postfix → LMTP → Dovecot.
 * Same load generator (Postfix's smtp-source), same sizes, same sessions, equal durability (fsync
 * before 250 and on delivery), BENCH_ACCOUNTS (default 100) recipient accounts on both sides.
 * For mailcluster each message arrives at a node that does not hold its account (LMTP to the
 * holder: the least favourable placement).
 *
 * The yardstick is the shared machine (both sides on the same cores) and CPU per message. With
 * BENCH_MACHINES=equal|both also "equal machines": our 3 nodes together and the peer each get the
 * same total CPU (each node BENCH_MACHINE_CORES, the peer 3 × that; see cpu-caps.ts).
 * Every cell runs BENCH_RUNS (≥ 3) times, interleaved, the sides alternating who goes first; the
 * median is reported. Each run must deliver exactly the messages sent to every account: a missing
 * or duplicate message fails the run. Results go to bench-results/smtp.json (see bin/bench-report.ts).
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestCluster } from '../harness/cluster.ts';
import { addAccounts } from '../harness/mail.ts';
import { PostfixPeer } from './peer/postfix.ts';
import { treeCpuMs } from './proc-cpu.ts';
import { CpuCaps } from './cpu-caps.ts';
import { pool } from './stats.ts';
import { machineInfo, median, type BenchCell } from './results.ts';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1000);
const SIZES = (process.env.BENCH_SIZES ?? '4096,65536').split(',').map(Number);
const SESSIONS = (process.env.BENCH_SESSIONS ?? '10,50').split(',').map(Number);
const ACCOUNT_COUNT = Number(process.env.BENCH_ACCOUNTS ?? 100);
const RUNS = Math.max(3, Number(process.env.BENCH_RUNS ?? 3));
const MACHINES = process.env.BENCH_MACHINES ?? 'shared';
const MACHINE_CORES = Number(process.env.BENCH_MACHINE_CORES ?? 0.5);
const LOCALS = Array.from({ length: ACCOUNT_COUNT }, (_, i) => `b${i}`);

function smtpSource(port: number, messages: number, size: number, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('/usr/sbin/smtp-source', ['-s', '1', '-m', String(messages), '-l', String(size), '-f', 'load@remote.test', '-t', to, `127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`smtp-source exited ${code}: ${err.slice(0, 300)}`))));
  });
}

/** Messages in each account's new/ and cur/. */
function countMail(base: string): number[] {
  return LOCALS.map((a) => ['new', 'cur'].reduce((n, sub) => {
    const d = join(base, a, sub);
    return n + (existsSync(d) ? readdirSync(d).length : 0);
  }, 0));
}

interface Figures { accepted: number; delivered: number; cpuMsPerMessage: number }
interface Side { name: string; targets: Array<{ port: number; to: string }>; mail: string; pids: number[] }

/** MESSAGES spread evenly over the accounts, `sessions` SMTP sessions at a time (one smtp-source each). */
async function run(side: Side, sessions: number, size: number): Promise<Figures> {
  const before = countMail(side.mail);
  const want = side.targets.map((_, i) => Math.floor(MESSAGES / side.targets.length) + (i < MESSAGES % side.targets.length ? 1 : 0));
  const cpu0 = treeCpuMs(...side.pids);
  const t0 = performance.now();
  await pool(side.targets.length, sessions, async (i) => {
    if (want[i]! > 0) await smtpSource(side.targets[i]!.port, want[i]!, size, side.targets[i]!.to);
  });
  const accepted = MESSAGES / ((performance.now() - t0) / 1000);
  const got = () => countMail(side.mail).map((n, i) => n - before[i]!);
  const deadline = Date.now() + 300_000;
  while (got().reduce((a, b) => a + b, 0) < MESSAGES) {
    if (Date.now() > deadline) throw new Error(`${side.name}: only ${got().reduce((a, b) => a + b, 0)} of ${MESSAGES} delivered`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const delivered = MESSAGES / ((performance.now() - t0) / 1000);
  const cpuMsPerMessage = (treeCpuMs(...side.pids) - cpu0) / MESSAGES;
  await new Promise((r) => setTimeout(r, 500)); // a late duplicate would land now
  const final = got();
  const wrong = final.flatMap((n, i) => (n === want[i] ? [] : [`${LOCALS[i]}: ${n} of ${want[i]}`]));
  if (wrong.length) throw new Error(`${side.name}: delivered counts wrong (duplicate or missing): ${wrong.slice(0, 5).join(', ')}`);
  return { accepted, delivered, cpuMsPerMessage };
}

const dir = mkdtempSync(join(tmpdir(), 'mailcluster-bench-smtp-'));
chmodSync(dir, 0o755); // Postfix and Dovecot drop privileges and must reach their directories
const peer = new PostfixPeer(join(dir, 'peer'));
const cluster = await startTestCluster({ env: { MAILCLUSTER_LOG_LEVEL: 'warn', MAILCLUSTER_SMTP_MAX_RECIPIENTS: '100' } });
const cells: BenchCell[] = [];
try {
  await peer.start();
  await cluster.electedController();
  const users = await addAccounts(cluster, 'example.test', LOCALS);
  // account i is held by mail-(i mod 3) and receives its mail at the next node
  await Promise.all(users.map((account, i) => cluster.rpc(`mail-${i % 3}`, 'acquire', { account })));
  const ours: Side = {
    name: 'mailcluster',
    targets: users.map((to, i) => ({ port: Number(cluster.node(`mail-${(i + 1) % 3}`).env.MAILCLUSTER_PORTS_SMTP), to })),
    mail: join(cluster.local.dataDir, 'shared', 'mail', 'example.test'),
    pids: [...cluster.nodes.map((n) => n.pid!), cluster.local.etcd.pid!],
  };
  const theirs: Side = { name: 'postfix+dovecot', targets: users.map((to) => ({ port: peer.smtpPort, to })), mail: join(peer.vmail, 'example.test'), pids: peer.pids() };
  await run(ours, 10, 1024); // warm-up
  await run(theirs, 10, 1024);

  const table = async (machine: string): Promise<void> => {
    for (const size of SIZES) {
      for (const sessions of SESSIONS) {
        const o: Figures[] = [];
        const p: Figures[] = [];
        for (let r = 0; r < RUNS; r++) {
          // alternate who runs first
          if (r % 2 === 0) { p.push(await run(theirs, sessions, size)); o.push(await run(ours, sessions, size)); }
          else { o.push(await run(ours, sessions, size)); p.push(await run(theirs, sessions, size)); }
        }
        const m = (xs: Figures[], k: keyof Figures) => median(xs.map((x) => x[k]));
        const cell: BenchCell = {
          bench: 'smtp', machine, label: `${size / 1024} KiB, ${sessions} sessions`, runs: RUNS,
          metrics: [
            { name: 'accepted msg/s', ours: m(o, 'accepted'), peer: m(p, 'accepted'), higherIsBetter: true },
            { name: 'delivered msg/s', ours: m(o, 'delivered'), peer: m(p, 'delivered'), higherIsBetter: true },
            { name: 'CPU ms/msg', ours: m(o, 'cpuMsPerMessage'), peer: m(p, 'cpuMsPerMessage'), higherIsBetter: false },
          ],
        };
        cells.push(cell);
        console.log(`${machine}  ${cell.label}: ` + cell.metrics.map((x) => `${x.name} ${x.ours.toFixed(2)} vs ${x.peer.toFixed(2)} (${(x.ours / x.peer).toFixed(2)}x)`).join('   '));
      }
    }
  };
  console.log(`mailcluster (3 nodes, hand-over) vs Postfix → LMTP → Dovecot; ${MESSAGES} messages to ${ACCOUNT_COUNT} accounts per run, median of ${RUNS}`);
  if (MACHINES !== 'equal') await table('shared');
  if (MACHINES !== 'shared') {
    const caps = CpuCaps.make(MACHINE_CORES);
    if (typeof caps === 'string') {
      console.log(`equal machines: NOT MEASURED (${caps})`);
    } else {
      // the same total CPU on both sides: each node (mail-0 with etcd) MACHINE_CORES, the peer 3 × that
      cluster.nodes.forEach((n, i) => caps.machine(`node${i}`, i === 0 ? [n.pid!, cluster.local.etcd.pid!] : [n.pid!]));
      caps.machine('peer', peer.pids(), MACHINE_CORES * 3);
      try {
        await table(`equal: ${MACHINE_CORES * 3} CPU per side`);
      } finally {
        caps.release();
      }
    }
  }
  mkdirSync('bench-results', { recursive: true });
  writeFileSync('bench-results/smtp.json', JSON.stringify({ ...machineInfo(), messages: MESSAGES, accounts: ACCOUNT_COUNT, cells }, null, 2) + '\n');
  console.log('wrote bench-results/smtp.json');
} finally {
  await cluster.stop();
  await peer.stop();
  rmSync(dir, { recursive: true, force: true });
}
