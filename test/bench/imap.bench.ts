/**
 * `npm run bench:imap`: IMAP side by side in one run with Dovecot (Debian's dovecot-imapd), on the
 * same mailbox (Dovecot reads a copy of our maildir): a command mix (NOOP, FETCH FLAGS,
 * FETCH BODY.PEEK[], STORE) in commands/s with p50/p99 latency, and logins/s, for our node holding
 * the account ("direct"), our node proxying to the holder ("proxied"), and Dovecot.
 * Same client for all three: raw IMAP over loopback, CONNECTIONS sessions in parallel. Measured
 * on the shared machine and as equal machines (holder, proxying node and Dovecot each capped at
 * BENCH_MACHINE_CORES CPUs; see cpu-caps.ts). BENCH_MACHINES=shared|equal|both.
 * Logins hash a password on both sides: each run logs in once to each of BENCH_IMAP_ACCOUNTS
 * (default 100) accounts never logged in before (ours: scrypt, no auth cache hit; Dovecot: a
 * passwd-file of SHA512-CRYPT hashes, no auth cache). Every measure runs BENCH_RUNS (≥ 3) times,
 * interleaved, the sides alternating who goes first; medians go to bench-results/imap.json.
 * Equal machines give both sides the same total CPU: our 3 nodes BENCH_MACHINE_CORES each,
 * Dovecot 3 × that.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestCluster } from '../harness/cluster.ts';
import { addAccounts, maildir } from '../harness/mail.ts';
import { Dovecot } from '../harness/dovecot.ts';
import { RawImap } from '../harness/imap.ts';
import { pool, summary } from './stats.ts';
import { treeCpuMs } from './proc-cpu.ts';
import { CpuCaps } from './cpu-caps.ts';
import { machineInfo, median, type BenchCell } from './results.ts';

const MESSAGES = Number(process.env.BENCH_IMAP_MESSAGES ?? 200);
const COMMANDS = Number(process.env.BENCH_IMAP_COMMANDS ?? 4000);
const CONNECTIONS = Number(process.env.BENCH_IMAP_CONNECTIONS ?? 4);
const PASSWORD = 'bench-password';
/** `shared` (one machine for everything), `equal` (a CPU quota each for holder, proxy and Dovecot), or `both`. */
const MACHINES = process.env.BENCH_MACHINES ?? 'shared';
const LOGIN_ACCOUNTS = Number(process.env.BENCH_IMAP_ACCOUNTS ?? 100);
const RUNS = Math.max(3, Number(process.env.BENCH_RUNS ?? 3));
/** Accounts for run r's logins: fresh ones each run, so none is in our auth cache. */
const loginUsers = (r: number) => Array.from({ length: LOGIN_ACCOUNTS }, (_, i) => `l${r}x${i}@example.test`);
const MACHINE_CORES = Number(process.env.BENCH_MACHINE_CORES ?? 0.5);

function message(i: number): string {
  const body = `line ${i} `.repeat(400).match(/.{1,76}/g)!.join('\r\n');
  return `From: Sender <sender@remote.test>\r\nTo: bench@example.test\r\nSubject: message ${i}\r\nMessage-ID: <m${i}@remote.test>\r\nDate: Tue, 3 Nov 2026 10:00:00 +0000\r\n\r\n${body}\r\n`;
}

async function session(port: number, user: string): Promise<RawImap> {
  const c = await RawImap.open(port);
  const r = await c.cmd('l', `LOGIN ${user} ${PASSWORD}`);
  if (!r.includes('l OK')) throw new Error(`login failed: ${r}`);
  await c.cmd('s', 'SELECT INBOX');
  return c;
}

/** The command mix: NOOP, FETCH FLAGS, FETCH BODY.PEEK[], STORE ±FLAGS.SILENT. */
function mixCommand(i: number): string {
  const n = (i * 7919) % MESSAGES + 1;
  switch (i % 4) {
    case 0: return 'NOOP';
    case 1: return `FETCH ${n} (FLAGS)`;
    case 2: return `FETCH ${n} (BODY.PEEK[])`;
    default: return `STORE ${n} ${i % 8 === 3 ? '+' : '-'}FLAGS.SILENT (\\Flagged)`;
  }
}

interface MixFigures { perSecond: number; p50: number; p99: number; cpuUsPerCommand: number }

/** The mix over `connections` sessions; CPU is what `pids` (and descendants) used per command. */
async function commandMix(port: number, user: string, pids: number[], connections = CONNECTIONS, commands = COMMANDS): Promise<MixFigures> {
  const clients = await Promise.all(Array.from({ length: connections }, () => session(port, user)));
  const latencies: number[] = [];
  const cpu0 = treeCpuMs(...pids);
  const started = performance.now();
  await Promise.all(
    clients.map(async (c, k) => {
      for (let i = 0; i < commands / connections; i++) {
        const t0 = performance.now();
        const r = await c.cmd(`t${i}`, mixCommand(i + k));
        if (!/t\d+ OK/.test(r)) throw new Error(`command failed: ${r.slice(-200)}`);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const wall = (performance.now() - started) / 1000;
  const cpuMs = treeCpuMs(...pids) - cpu0;
  for (const c of clients) c.close();
  const s = summary(latencies);
  return { perSecond: latencies.length / wall, p50: s.p50, p99: s.p99, cpuUsPerCommand: (cpuMs * 1000) / latencies.length };
}

/** One login to each of `users` (CONNECTIONS at a time); logins/s and the server's CPU ms per login. */
async function logins(port: number, users: string[], pids: number[]): Promise<{ perSecond: number; cpuMsPerLogin: number }> {
  const cpu0 = treeCpuMs(...pids);
  const started = performance.now();
  await pool(users.length, CONNECTIONS, async (i) => {
    const c = await RawImap.open(port);
    const r = await c.cmd('l', `LOGIN ${users[i]} ${PASSWORD}`);
    if (!r.includes('l OK')) throw new Error(`login failed: ${r}`);
    c.send('o LOGOUT\r\n');
    c.close();
  });
  return { perSecond: users.length / ((performance.now() - started) / 1000), cpuMsPerLogin: (treeCpuMs(...pids) - cpu0) / users.length };
}

const dir = mkdtempSync(join(tmpdir(), 'mailcluster-bench-imap-'));
chmodSync(dir, 0o755);
const cluster = await startTestCluster({ env: { MAILCLUSTER_LOG_LEVEL: 'warn' } });
const passwdFile = join(dir, 'dovecot-passwd');
const dovecot = new Dovecot(join(dir, 'dovecot'), `maildir:${dir}/dovecot-mail/%d/%n`, PASSWORD, passwdFile);
const cells: BenchCell[] = [];
try {
  await cluster.electedController();
  const [account] = await addAccounts(cluster, 'example.test', ['bench'], PASSWORD);
  const allLogins = Array.from({ length: RUNS * (MACHINES === 'both' ? 2 : 1) }, (_, r) => loginUsers(r)).flat();
  await addAccounts(cluster, 'example.test', allLogins.map((u) => u.split('@')[0]!), PASSWORD);
  // one SHA512-CRYPT hash per account (each with its own salt), made by Dovecot's own tool
  const hashOf = () => execFileSync('doveadm', ['pw', '-s', 'SHA512-CRYPT', '-p', PASSWORD], { encoding: 'utf8' }).trim();
  writeFileSync(passwdFile, [account!, ...allLogins].map((u) => `${u}:${hashOf()}\n`).join(''));
  chmodSync(passwdFile, 0o644);
  await cluster.rpc('mail-0', 'acquire', { account: account! });
  const holderPort = Number(cluster.node('mail-0').env.MAILCLUSTER_PORTS_IMAP);
  const proxyPort = Number(cluster.node('mail-1').env.MAILCLUSTER_PORTS_IMAP);
  const loader = await RawImap.open(holderPort);
  await loader.cmd('l', `LOGIN ${account} ${PASSWORD}`);
  for (let i = 0; i < MESSAGES; i++) {
    const m = message(i);
    await loader.cmd('a', `APPEND INBOX {${m.length}+}\r\n${m}`);
  }
  loader.close();
  // Dovecot reads a copy of the same maildir (our files, UID list and all)
  cpSync(maildir(cluster, account!), join(dir, 'dovecot-mail', 'example.test', 'bench'), { recursive: true });
  rmSync(join(dir, 'dovecot-mail', 'example.test', 'bench', '.mailcluster-fence'), { force: true });
  chmodRecursive(join(dir, 'dovecot-mail'));
  await dovecot.start();

  const holderPid = cluster.node('mail-0').pid!;
  const proxyPid = cluster.node('mail-1').pid!;
  await commandMix(holderPort, account!, [holderPid]); // warm-up
  await commandMix(dovecot.imapPort, account!, [dovecot.pid!]);
  let loginRound = 0;
  const measure = async (machine: string): Promise<void> => {
    const runs: Array<{ direct: MixFigures; proxied: MixFigures; dovecot: MixFigures; lDirect: { perSecond: number; cpuMsPerLogin: number }; lDovecot: { perSecond: number; cpuMsPerLogin: number } }> = [];
    for (let r = 0; r < RUNS; r++) {
      const users = loginUsers(loginRound++);
      const ourSide = async () => ({ direct: await commandMix(holderPort, account!, [holderPid]), proxied: await commandMix(proxyPort, account!, [holderPid, proxyPid]), lDirect: await logins(holderPort, users, [holderPid]) });
      const peerSide = async () => ({ dovecot: await commandMix(dovecot.imapPort, account!, [dovecot.pid!]), lDovecot: await logins(dovecot.imapPort, users, [dovecot.pid!]) });
      // alternate who runs first
      if (r % 2 === 0) { const p = await peerSide(); runs.push({ ...(await ourSide()), ...p }); } else { const o = await ourSide(); runs.push({ ...o, ...(await peerSide()) }); }
    }
    const med = (f: (x: (typeof runs)[number]) => number) => median(runs.map(f));
    for (const via of ['direct', 'proxied'] as const) {
      cells.push({
        bench: 'imap', machine, label: `command mix, ${CONNECTIONS} sessions, ${via}`, runs: RUNS,
        metrics: [
          { name: 'commands/s', ours: med((x) => x[via].perSecond), peer: med((x) => x.dovecot.perSecond), higherIsBetter: true },
          { name: 'p50 ms', ours: med((x) => x[via].p50), peer: med((x) => x.dovecot.p50), higherIsBetter: false },
          { name: 'p99 ms', ours: med((x) => x[via].p99), peer: med((x) => x.dovecot.p99), higherIsBetter: false },
          { name: 'CPU µs/command', ours: med((x) => x[via].cpuUsPerCommand), peer: med((x) => x.dovecot.cpuUsPerCommand), higherIsBetter: false },
        ],
      });
    }
    cells.push({
      bench: 'imap', machine, label: `first LOGIN of ${LOGIN_ACCOUNTS} accounts, ${CONNECTIONS} at a time`, runs: RUNS,
      metrics: [
        { name: 'logins/s', ours: med((x) => x.lDirect.perSecond), peer: med((x) => x.lDovecot.perSecond), higherIsBetter: true },
        { name: 'CPU ms/login', ours: med((x) => x.lDirect.cpuMsPerLogin), peer: med((x) => x.lDovecot.cpuMsPerLogin), higherIsBetter: false },
      ],
    });
    for (const c of cells.filter((c) => c.machine === machine)) {
      console.log(`${machine}  ${c.label}: ` + c.metrics.map((x) => `${x.name} ${x.ours.toFixed(2)} vs ${x.peer.toFixed(2)} (${(x.ours / x.peer).toFixed(2)}x)`).join('   '));
    }
  };
  console.log(`IMAP: mailcluster (3 nodes) vs Dovecot ${process.env.DOVECOT_VERSION ?? ''}; ${MESSAGES} messages of ~4 KiB, ${COMMANDS} commands over ${CONNECTIONS} sessions, mix NOOP / FETCH FLAGS / FETCH BODY.PEEK[] / STORE; node ${process.version}`);
  console.log('CPU: user+system time per command of the serving processes (ours: the holder, plus the proxying node when proxied; Dovecot: all its processes); the load generator is not counted');
  console.log('logins: each account\'s first login; ours verify an scrypt hash (not yet cached), Dovecot a SHA512-CRYPT hash from a passwd-file (no auth cache)');
  if (MACHINES !== 'equal') {
    console.log(`\nshared machine: the nodes, etcd, Dovecot and the client share this machine's ${cpus().length} CPUs`);
    await measure('shared');
  }
  if (MACHINES !== 'shared') {
    const caps = CpuCaps.make(MACHINE_CORES);
    if (typeof caps === 'string') {
      console.log(`\nequal machines: NOT MEASURED (${caps})`);
    } else {
      // the same total CPU on both sides: our 3 nodes MACHINE_CORES each, Dovecot 3 × that
      cluster.nodes.forEach((n, i) => caps.machine(`node${i}`, [n.pid!]));
      caps.machine('dovecot', [dovecot.pid!], MACHINE_CORES * 3);
      try {
        console.log(`\nequal machines: our 3 nodes ${MACHINE_CORES} CPU each, Dovecot ${MACHINE_CORES * 3} CPU, by cgroup quotas; etcd and the client uncapped`);
        await measure(`equal: ${MACHINE_CORES * 3} CPU per side`);
      } finally {
        caps.release();
      }
    }
  }
  mkdirSync('bench-results', { recursive: true });
  writeFileSync('bench-results/imap.json', JSON.stringify({ ...machineInfo(), note: `${MESSAGES} messages in the mix mailbox, ${COMMANDS} commands per mix, ${LOGIN_ACCOUNTS} fresh accounts per login run.`, cells }, null, 2) + '\n');
  console.log('wrote bench-results/imap.json');
} finally {
  await dovecot.stop().catch(() => undefined);
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}

function chmodRecursive(path: string): void {
  // Dovecot runs mail processes as nobody: give it the copy
  chmodSync(path, 0o777);
  if (statSync(path).isDirectory()) for (const e of readdirSync(path)) chmodRecursive(join(path, e));
}
