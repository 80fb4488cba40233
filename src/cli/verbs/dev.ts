/**
 * `mailcluster dev --nodes N --data DIR`: a whole cluster on this machine (design §9). Prints one
 * line containing `ready` when every node is up and a controller is elected; Ctrl-C or SIGTERM
 * stops all of it. `--etcd-members 3` runs a 3-member etcd; `--restart` restarts any node or etcd
 * member that dies, printing one `supervisor:` line per exit and per restart (with the new PID).
 */
import { LocalCluster } from '../../devcluster/local-cluster.ts';
import { createEtcd } from '../../cluster/etcd.ts';
import { Keys } from '../../cluster/keys.ts';
import { ClusterView } from '../../cluster/view.ts';
import { silentLogger } from '../../log/logger.ts';
import { AccountDirectory } from '../../accounts/directory.ts';
import { adminToken } from '../../cluster/admin-token.ts';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { devNodeTable } from './dev-table.ts';
import { signLoginLink } from '../../cluster/admin-session.ts';
import type { SupervisorEvent } from '../../devcluster/supervisor.ts';

/** One line per supervisor event; `restarted` lines carry the new PID. */
export function supervisorLine(e: SupervisorEvent): string {
  if (e.event === 'exited') return `${e.name} exited (${e.signal ?? `code ${e.code}`}), restarting in ${e.restartInMs} ms`;
  if (e.event === 'restarted') return `${e.name} restarted, pid ${e.pid ?? '-'}, down ${(e.downMs / 1000).toFixed(1)} s`;
  return `${e.name} restart failed: ${e.error}`;
}

export interface DevOptions { nodes: number; data: string; leaseTtl: number; etcdMembers?: number; restart?: boolean }

export async function runDev(opts: DevOptions): Promise<void> {
  const count = Number(opts.nodes);
  if (!Number.isInteger(count) || count < 1 || count > 16) throw new Error('--nodes must be an integer from 1 to 16');
  const ttl = Number(opts.leaseTtl);
  if (!Number.isInteger(ttl) || ttl < 2) throw new Error('--lease-ttl must be an integer number of seconds, at least 2');
  const members = Number(opts.etcdMembers ?? 1);
  if (![1, 3, 5].includes(members)) throw new Error('--etcd-members must be 1, 3 or 5');
  const cluster = new LocalCluster({
    nodes: count,
    dataDir: opts.data,
    etcdMembers: members,
    restart: opts.restart ?? false,
    onSupervisorEvent: (e) => process.stdout.write(`supervisor: ${supervisorLine(e)}\n`),
    env: {
      MAILCLUSTER_LEASE_TTL_SECONDS: String(ttl),
      MAILCLUSTER_LEASE_KEEP_ALIVE_INTERVAL_MS: String(Math.round((ttl * 1000) / 5)),
      MAILCLUSTER_LEASE_SAFETY_MARGIN_MS: String(Math.round((ttl * 1000) / 4)),
    },
  });
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('stopping the local cluster…\n');
    void cluster.stop().finally(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  process.stdout.write(`starting ${members > 1 ? `a ${members}-member etcd` : 'etcd'} and ${count} nodes in ${cluster.dataDir}…\n`);
  await cluster.start();
  const controller = await waitForController(cluster);
  const demo = await demoAccounts(cluster);
  const file = cluster.clusterFile();
  const rows = file.nodes.map((n) => ({ ...n, pid: cluster.node(n.name).pid, controller: n.name === controller }));
  process.stdout.write(`${devNodeTable(rows)}  (* the controller; SUBMIT and IMAP/POP3 take STARTTLS/STLS, SUBMITS/IMAPS/POP3S are TLS)\n`);
  process.stdout.write(`  demo domain example.test: ${demo.map((d) => `${d.address} / ${d.password}`).join(', ')}\n`);
  const token = adminToken({ admin: { token: '', urls: [], statsIntervalMs: 5000 }, cluster: { name: cluster.cluster, secret: cluster.secret } });
  const first = file.nodes.find((n) => n.name !== controller) ?? file.nodes[0]!;
  for (const m of cluster.etcdMembers) process.stdout.write(`  etcd member ${m.name}  pid ${m.pid ?? '-'}  ${m.endpoint}\n`);
  if (opts.restart) process.stdout.write('  supervised: a node or etcd member that dies is restarted (kill -9 any PID above)\n');
  process.stdout.write(`  etcd ${cluster.etcdEndpoints.join(',')}; logs in ${cluster.dataDir}/logs; cluster file ${cluster.dataDir}/cluster.json\n`);
  const link = signLoginLink(token, first.name);
  process.stdout.write(`  dashboard: http://${first.address}:${first.ports.admin}/dashboard?login=${link}   (one-time link, 10 minutes; later: "mailcluster dashboard" prints a new one)\n`);
  process.stdout.write(`  admin token: ${token}   (the CLI reads it from ${cluster.dataDir}/mailcluster.json)\n`);
  process.stdout.write(`  for the CLI in another terminal, from any directory:\n    export MAILCLUSTER_CONFIG=${join(cluster.dataDir, 'mailcluster.json')}\n`);
  process.stdout.write(`  watch a failover: run "node bin/mailcluster.js watch" in another terminal, then kill -9 ${cluster.node(controller).pid} (the controller, ${controller})\n`);
  process.stdout.write(`                    or plan one with "node bin/mailcluster.js step-down"; see "node bin/mailcluster.js status"\n`);
  process.stdout.write(`mailcluster dev: ready (${count} nodes, controller ${controller})\n`);
}

async function waitForController(cluster: LocalCluster): Promise<string> {
  const etcd = createEtcd(cluster.etcdClientOptions());
  const view = new ClusterView(etcd, new Keys(cluster.cluster), silentLogger);
  try {
    await view.start();
    await view.waitFor(() => view.controller() !== undefined && view.nodes.size === cluster.nodes.length, 30_000);
    return view.controller()!.node;
  } finally {
    await view.stop();
    etcd.close();
  }
}

/** A demo domain with two accounts; their passwords are kept in DIR/demo-accounts.json (0600). */
async function demoAccounts(cluster: LocalCluster): Promise<Array<{ address: string; password: string }>> {
  const file = join(cluster.dataDir, 'demo-accounts.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Array<{ address: string; password: string }>;
  const etcd = createEtcd(cluster.etcdClientOptions());
  try {
    const dir = new AccountDirectory(etcd, new Keys(cluster.cluster));
    if (!(await dir.hasDomain('example.test'))) await dir.addDomain('example.test');
    const out = [];
    for (const local of ['alice', 'bob']) {
      const password = randomBytes(9).toString('base64url');
      const address = `${local}@example.test`;
      if (await dir.getAccount(address)) await dir.updateAccount(address, { password });
      else await dir.addAccount(address, password);
      out.push({ address, password });
    }
    writeFileSync(file, JSON.stringify(out, null, 2), { mode: 0o600 });
    return out;
  } finally {
    etcd.close();
  }
}
