/**
 * `npm run bench:imap`: IMAP side by side in one run with Dovecot (Debian's dovecot-imapd), on the
 * same mailbox (Dovecot reads a copy of our maildir): a command mix (NOOP, FETCH FLAGS,
 * FETCH BODY.PEEK[], STORE) in commands/s with p50/p99 latency, and logins/s, for our node holding
 * the account ("direct"), our node proxying to the holder ("proxied"), and Dovecot.
 * Same client for all three: raw IMAP over loopback, CONNECTIONS sessions in parallel. Measured
 * on the shared machine and as equal machines (holder, proxying node and Dovecot each capped at
 * BENCH_MACHINE_CORES CPUs; see cpu-caps.ts). BENCH_MACHINES=shared|equal|both.
 */
import { chmodSync, cpSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestCluster } from '../harness/cluster.ts';
import { addAccounts, maildir } from '../harness/mail.ts';
import { Dovecot } from '../harness/dovecot.ts';
import { RawImap } from '../harness/imap.ts';
import { pool, summary } from './stats.ts';
import { treeCpuMs } from './proc-cpu.ts';
import { CpuCaps } from './cpu-caps.ts';

const MESSAGES = Number(process.env.BENCH_IMAP_MESSAGES ?? 200);
const COMMANDS = Number(process.env.BENCH_IMAP_COMMANDS ?? 4000);
const CONNECTIONS = Number(process.env.BENCH_IMAP_CONNECTIONS ?? 4);
const LOGINS = Number(process.env.BENCH_IMAP_LOGINS ?? 400);
const PASSWORD = 'bench-password';
/** `shared` (one machine for everything), `equal` (a CPU quota each for holder, proxy and Dovecot), or `both`. */
const MACHINES = process.env.BENCH_MACHINES ?? 'both';
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

async function logins(port: number, user: string): Promise<number> {
  const started = performance.now();
  await pool(LOGINS, CONNECTIONS, async () => {
    const c = await RawImap.open(port);
    const r = await c.cmd('l', `LOGIN ${user} ${PASSWORD}`);
    if (!r.includes('l OK')) throw new Error(`login failed: ${r}`);
    c.send('o LOGOUT\r\n');
    c.close();
  });
  return LOGINS / ((performance.now() - started) / 1000);
}

const dir = mkdtempSync(join(tmpdir(), 'mailcluster-bench-imap-'));
chmodSync(dir, 0o755);
const cluster = await startTestCluster({ env: { MAILCLUSTER_LOG_LEVEL: 'warn' } });
const dovecot = new Dovecot(join(dir, 'dovecot'), `maildir:${dir}/dovecot-mail/%d/%n`, PASSWORD);
try {
  await cluster.electedController();
  const [account] = await addAccounts(cluster, 'example.test', ['bench'], PASSWORD);
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
  const measure = async (): Promise<void> => {
    const ours = await commandMix(holderPort, account!, [holderPid]);
    const proxied = await commandMix(proxyPort, account!, [holderPid, proxyPid]);
    const theirs = await commandMix(dovecot.imapPort, account!, [dovecot.pid!]);
    const lOurs = await logins(holderPort, account!);
    const lProxied = await logins(proxyPort, account!);
    const lTheirs = await logins(dovecot.imapPort, account!);
    const row = (label: string, x: MixFigures, l: number): string =>
      `${label.padEnd(9)} ${x.perSecond.toFixed(0).padStart(6)} cmd/s (${(x.perSecond / theirs.perSecond).toFixed(2)}x)  p50 ${x.p50.toFixed(3)} ms  p99 ${x.p99.toFixed(3)} ms  ` +
      `CPU ${x.cpuUsPerCommand.toFixed(0).padStart(4)} µs/cmd   logins ${l.toFixed(0).padStart(5)}/s (${(l / lTheirs).toFixed(2)}x)`;
    console.log(row('direct', ours, lOurs));
    console.log(row('proxied', proxied, lProxied));
    console.log(row('dovecot', theirs, lTheirs));
    // The hop's own cost, with one session so no command waits behind another: under the mix the
    // p50 difference also holds whatever queueing the busier path adds.
    const oneDirect = await commandMix(holderPort, account!, [holderPid], 1, COMMANDS / 4);
    const oneProxied = await commandMix(proxyPort, account!, [holderPid, proxyPid], 1, COMMANDS / 4);
    console.log(`proxy hop adds ${(oneProxied.p50 - oneDirect.p50).toFixed(3)} ms at p50 with one session (${oneDirect.p50.toFixed(3)} → ${oneProxied.p50.toFixed(3)} ms), ` +
      `${(proxied.p50 - ours.p50).toFixed(3)} ms under the ${CONNECTIONS}-session mix (target ≤ 0.3 ms)`);
  };
  console.log(`IMAP: mailcluster (3 nodes) vs Dovecot ${process.env.DOVECOT_VERSION ?? ''}; ${MESSAGES} messages of ~4 KiB, ${COMMANDS} commands over ${CONNECTIONS} sessions, mix NOOP / FETCH FLAGS / FETCH BODY.PEEK[] / STORE; node ${process.version}`);
  console.log('CPU: user+system time per command of the serving processes (ours: the holder, plus the proxying node when proxied; Dovecot: all its processes); the load generator is not counted');
  console.log('logins: ours verify an scrypt hash (cached for 60 s after a success, as Dovecot\'s auth cache does); Dovecot uses a static plaintext passdb');
  if (MACHINES !== 'equal') {
    console.log(`\nshared machine: the nodes, etcd, Dovecot and the client share this machine's ${cpus().length} CPUs`);
    await measure();
  }
  if (MACHINES !== 'shared') {
    const caps = CpuCaps.make(MACHINE_CORES);
    if (typeof caps === 'string') {
      console.log(`\nequal machines: NOT MEASURED (${caps})`);
    } else {
      caps.machine('holder', [holderPid]);
      caps.machine('proxy', [proxyPid]);
      caps.machine('dovecot', [dovecot.pid!]);
      try {
        console.log(`\nequal machines: the holder, the proxying node and Dovecot each capped at ${MACHINE_CORES} CPU by cgroup quotas; etcd and the client uncapped`);
        await measure();
      } finally {
        caps.release();
      }
    }
  }
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
