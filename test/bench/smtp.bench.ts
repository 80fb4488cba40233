/**
 * `npm run bench:smtp`: inbound SMTP, side by side in one run with Postfix → LMTP → Dovecot.
 * Same load generator (Postfix's smtp-source), same sizes (4 KiB, 64 KiB), 10 and 50 sessions,
 * equal durability (fsync before 250 and on delivery). Load is split over 3 recipients and, for
 * mailcluster, over its 3 nodes, each receiving mail for an account held by another node (every
 * message crosses the cluster over LMTP: the least favourable placement).
 * Prints accepted and delivered messages/s and the ratio to the peer, twice: on the shared machine
 * (three nodes, etcd, the peer and the load generator on the same cores), and as equal machines
 * (each node, and the peer as a whole, capped at BENCH_MACHINE_CORES CPUs; see cpu-caps.ts), which
 * is how "a 3-node cluster against one peer server" is meant. BENCH_MACHINES=shared|equal|both.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestCluster } from '../harness/cluster.ts';
import { addAccounts } from '../harness/mail.ts';
import { PostfixPeer } from './peer/postfix.ts';
import { treeCpuMs } from './proc-cpu.ts';
import { CpuCaps } from './cpu-caps.ts';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 900);
const SIZES = [4096, 65536];
const SESSIONS = [10, 50];
const ACCOUNTS = ['b0', 'b1', 'b2'];
/** `shared` (one machine for everything), `equal` (a CPU quota per node and for the peer), or `both`. */
const MACHINES = process.env.BENCH_MACHINES ?? 'both';
const MACHINE_CORES = Number(process.env.BENCH_MACHINE_CORES ?? 0.5);

function smtpSource(port: number, sessions: number, messages: number, size: number, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('/usr/sbin/smtp-source', ['-s', String(sessions), '-m', String(messages), '-l', String(size), '-f', 'load@remote.test', '-t', to, `127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`smtp-source exited ${code}: ${err.slice(0, 300)}`))));
  });
}

function countMail(base: string): number {
  let n = 0;
  for (const a of ACCOUNTS) for (const sub of ['new', 'cur']) {
    const d = join(base, a, sub);
    if (existsSync(d)) n += readdirSync(d).length;
  }
  return n;
}

interface Figures { accepted: number; delivered: number; cpuMsPerMessage: number }

/**
 * Sends MESSAGES split over `targets` ({port, to}); returns accepted/s, delivered/s and the CPU
 * the server's processes (`pids` and their descendants) used per message.
 */
async function run(targets: Array<{ port: number; to: string }>, sessions: number, size: number, mailBase: string, pids: number[]): Promise<Figures> {
  const before = countMail(mailBase);
  const cpu0 = treeCpuMs(...pids);
  const t0 = performance.now();
  const share = (total: number, i: number) => Math.floor(total / targets.length) + (i < total % targets.length ? 1 : 0);
  await Promise.all(targets.map((t, i) => smtpSource(t.port, Math.max(1, share(sessions, i)), share(MESSAGES, i), size, t.to)));
  const accepted = MESSAGES / ((performance.now() - t0) / 1000);
  const deadline = Date.now() + 300_000;
  while (countMail(mailBase) - before < MESSAGES) {
    if (Date.now() > deadline) throw new Error(`only ${countMail(mailBase) - before} of ${MESSAGES} delivered`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const delivered = MESSAGES / ((performance.now() - t0) / 1000);
  return { accepted, delivered, cpuMsPerMessage: (treeCpuMs(...pids) - cpu0) / MESSAGES };
}

const dir = mkdtempSync(join(tmpdir(), 'mailcluster-bench-smtp-'));
chmodSync(dir, 0o755); // Postfix and Dovecot drop privileges and must reach their directories
const peer = new PostfixPeer(join(dir, 'peer'));
const cluster = await startTestCluster({ env: { MAILCLUSTER_LOG_LEVEL: 'warn', MAILCLUSTER_SMTP_MAX_RECIPIENTS: '100' } });
try {
  await peer.start();
  await cluster.electedController();
  const users = await addAccounts(cluster, 'example.test', ACCOUNTS);
  // b0 on mail-0, b1 on mail-1, b2 on mail-2; node i receives mail for the account of node i+1.
  await Promise.all(users.map((account, i) => cluster.rpc(`mail-${i}`, 'acquire', { account })));
  const ours = users.map((_, i) => ({ port: Number(cluster.node(`mail-${i}`).env.MAILCLUSTER_PORTS_SMTP), to: users[(i + 1) % 3]! }));
  // Best case: each node receives mail for the account it holds (direct delivery, no hand-over).
  const oursLocal = users.map((to, i) => ({ port: Number(cluster.node(`mail-${i}`).env.MAILCLUSTER_PORTS_SMTP), to }));
  const theirs = users.map((to) => ({ port: peer.smtpPort, to }));
  const ourMail = join(cluster.local.dataDir, 'shared', 'mail', 'example.test');
  const peerMail = join(peer.vmail, 'example.test');

  const ourPids = [...cluster.nodes.map((n) => n.pid!), cluster.local.etcd.pid!];
  const peerPids = peer.pids();
  await run(ours, 10, 1024, ourMail, ourPids);
  await run(theirs, 10, 1024, peerMail, peerPids);

  const table = async (): Promise<string[]> => {
    const rows: string[] = [];
    for (const size of SIZES) {
      for (const sessions of SESSIONS) {
        const p = await run(theirs, sessions, size, peerMail, peerPids);
        const o = await run(ours, sessions, size, ourMail, ourPids);
        const l = await run(oursLocal, sessions, size, ourMail, ourPids);
        const row = (label: string, x: Figures) =>
          `${String(size / 1024).padStart(3)} KiB  ${String(sessions).padStart(3)} sessions  ${label}  ` +
          `accepted ${x.accepted.toFixed(0).padStart(5)} vs ${p.accepted.toFixed(0).padStart(5)} msg/s (${(x.accepted / p.accepted).toFixed(2)}x)   ` +
          `delivered ${x.delivered.toFixed(0).padStart(5)} vs ${p.delivered.toFixed(0).padStart(5)} msg/s (${(x.delivered / p.delivered).toFixed(2)}x)   ` +
          `CPU/msg ${x.cpuMsPerMessage.toFixed(2)} vs ${p.cpuMsPerMessage.toFixed(2)} ms`;
        rows.push(row('hand-over', o), row('holder   ', l));
      }
    }
    return rows;
  };
  console.log(`mailcluster (3 nodes) vs Postfix → LMTP → Dovecot; ${MESSAGES} messages per cell, smtp-source, node ${process.version}`);
  console.log('hand-over: every message arrives at a node that does not hold its account (LMTP to the holder); holder: it arrives at the holder');
  console.log('CPU/msg: user+system time per message of our 3 nodes and etcd vs Postfix\'s and Dovecot\'s processes (smtp-source excluded)');
  if (MACHINES !== 'equal') {
    console.log(`\nshared machine: the 3 nodes, etcd, the peer and smtp-source share this machine's ${cpus().length} CPUs`);
    console.log((await table()).join('\n'));
  }
  if (MACHINES !== 'shared') {
    const caps = CpuCaps.make(MACHINE_CORES);
    if (typeof caps === 'string') {
      console.log(`\nequal machines: NOT MEASURED (${caps})`);
    } else {
      // etcd runs beside mail-0, as when etcd members share the nodes' machines
      cluster.nodes.forEach((n, i) => caps.machine(`node${i}`, i === 0 ? [n.pid!, cluster.local.etcd.pid!] : [n.pid!]));
      caps.machine('peer', peerPids);
      try {
        console.log(`\nequal machines: each node (mail-0 with etcd) and the peer (Postfix and Dovecot together) capped at ${MACHINE_CORES} CPU by cgroup quotas; smtp-source uncapped`);
        console.log((await table()).join('\n'));
      } finally {
        caps.release();
      }
    }
  }
} finally {
  await cluster.stop();
  await peer.stop();
  rmSync(dir, { recursive: true, force: true });
}
