/**
 * The `mailcluster` command tree (one file per verb under verbs/). Built by a function so that a
 * test can walk every command: each has a description and an example, numeric flags go through
 * commander's parsers (help.ts).
 */
import { Command } from 'commander';
import { VERSION } from '../version.ts';
import { ensureEtcd } from '../devcluster/etcd-binary.ts';
import { clientConfig, reportFailure, type GlobalOptions } from './context.ts';
import { example, integer } from './help.ts';
import { runNode } from './verbs/node.ts';
import { runDev } from './verbs/dev.ts';
import { runStatus } from './verbs/status.ts';
import { runWhere } from './verbs/where.ts';
import { runStepDown } from './verbs/step-down.ts';
import { runInit, runPrintconf } from './verbs/config.ts';
import { runEtcdCerts } from './verbs/etcd-certs.ts';
import { runNodeCerts } from './verbs/node-certs.ts';
import { registerAccountVerbs } from './verbs/accounts.ts';
import { runDrain } from './verbs/drain.ts';
import { runMove } from './verbs/move.ts';
import { runWatch } from './verbs/watch.ts';
import { registerQueueVerbs } from './verbs/queue.ts';
import { AdminClient } from './admin-client.ts';
import { dashboardLinkSchema } from '../cluster/admin-api.ts';
import { adminToken } from '../cluster/admin-token.ts';

export function buildProgram(): Command {
  const program = new Command('mailcluster')
    .version(VERSION)
    .description('highly available mail server cluster')
    .option('-c, --config <file>', 'JSON config file (default: $MAILCLUSTER_CONFIG)')
    .option('--data <dir>', "a dev cluster's data directory: use its mailcluster.json");

  const global = (): GlobalOptions => program.opts<GlobalOptions>();
  const guarded = <A extends unknown[]>(fn: (...a: A) => Promise<void> | void) => async (...a: A): Promise<void> => {
    try {
      await fn(...a);
    } catch (err) {
      reportFailure(err);
    }
  };

  example(program.command('node').description('run one node (config from the file and MAILCLUSTER_* variables)'),
    'node --config /etc/mailcluster.json', 'node   # configured by MAILCLUSTER_* variables alone, as in a pod')
    .action(guarded(() => runNode(global())));
  example(program
    .command('dev')
    .description('run a local cluster: a private etcd and N nodes on one data directory')
    .option('--nodes <n>', 'number of nodes (1-16)', integer(1, 16), 3)
    .option('--data <dir>', 'data directory (default: "./data")')
    .option('--lease-ttl <seconds>', 'lease TTL of the nodes (at least 2)', integer(2, 3600), 5)
    .option('--etcd-members <n>', 'members of the private etcd (1, 3 or 5)', integer(1, 5), 1)
    .option('--restart', 'supervise: restart a node or etcd member that dies (after a 1-10 s backoff)', false),
  'dev', 'dev --nodes 5 --data /tmp/mc --lease-ttl 3', 'dev --restart --etcd-members 3   # kill -9 any PID it prints: it comes back')
    // --data is also the program's option, and commander gives it to the program: read both
    .action(guarded((o: { nodes: number; data?: string; leaseTtl: number; etcdMembers: number; restart: boolean }) => runDev({ ...o, data: o.data ?? global().data ?? './data' })));
  example(program.command('status').description('one row per node, the controller marked').option('--json', 'JSON output'),
    'status', 'status --json')
    .action(guarded((o: { json?: boolean }) => runStatus({ ...global(), ...o })));
  example(program.command('where <account>').description('which node has the account open, and its fencing token').option('--json', 'JSON output'),
    'where alice@example.com')
    .action(guarded((a: string, o: { json?: boolean }) => runWhere(a, { ...global(), ...o })));
  example(program
    .command('drain <node>')
    .description('move every account off a node and place none there')
    .option('--wait', 'wait until the node holds no accounts, printing progress')
    .option('--timeout <seconds>', 'give up waiting after this long', integer(1), 300),
  'drain mail-1 --wait', 'drain mail-1 --wait --timeout 60')
    .action(guarded((n: string, o: { wait?: boolean; timeout?: number }) => runDrain(n, { ...global(), ...o })));
  example(program.command('undrain <node>').description('let a drained node hold accounts again'), 'undrain mail-1')
    .action(guarded((n: string) => runDrain(n, global(), false)));
  example(program
    .command('move <account>')
    .description('close the account on its holder and open it on another node')
    .option('--to <node>', 'the node to open it on (default: wherever placement puts it)')
    .option('--json', 'JSON output'),
  'move alice@example.com --to mail-2')
    .action(guarded((a: string, o: { to?: string; json?: boolean }) => runMove(a, { ...global(), ...o })));
  example(program
    .command('watch')
    .description('follow cluster events (failovers, joins, drains, moves, takeovers)')
    .option('--json', 'JSON lines')
    .option('--history <n>', 'recent events to show first (0-500)', integer(0, 500), 20),
  'watch', 'watch --json --history 100')
    .action(guarded((o: { json?: boolean; history?: number }) => runWatch({ ...global(), ...o })));
  example(program.command('forget <node>').description('stop listing a node whose lease is gone (after a scale-down)'), 'forget mail-4')
    .action(guarded(async (n: string) => {
      await new AdminClient(clientConfig(global())).delete(`/nodes/${encodeURIComponent(n)}`);
      process.stdout.write(`${n} forgotten\n`);
    }));
  registerQueueVerbs(program, global, guarded);
  example(program.command('admin-token').description('print the admin API / dashboard token this config gives (admin.token, or derived from the secret)'),
    'admin-token')
    .action(guarded(() => {
      process.stdout.write(`${adminToken(clientConfig(global()))}\n`);
    }));
  example(program.command('dashboard').description('print a one-time login link to a node\'s dashboard (valid 10 minutes; sets a 12-hour session cookie)'), 'dashboard')
    .action(guarded(async () => {
      const client = new AdminClient(clientConfig(global()));
      const link = await client.post('/dashboard-link', dashboardLinkSchema);
      process.stdout.write(`${client.lastUrl}${link.path}\n`);
    }));
  example(program.command('step-down').description('the controller resigns (planned failover); prints the successor and the gap'), 'step-down')
    .action(guarded(() => runStepDown(global())));
  example(program.command('printconf').description('print the effective configuration, secrets redacted').option('--env', 'list every MAILCLUSTER_* variable instead'),
    'printconf', 'printconf --env')
    .action(guarded((o: { env?: boolean }) => runPrintconf({ ...global(), ...o })));
  example(program.command('init').description('generate a cluster secret (MAILCLUSTER_CLUSTER_SECRET=…) and, with --tls-dir, the cluster CA and node certificates for the internal links')
    .option('--tls-dir <dir>', 'write the cluster CA (ca.crt, ca.key) and a certificate per --nodes name here (existing ones are kept)')
    .option('--nodes <names>', 'comma-separated node names to issue certificates for (with --tls-dir)')
    .option('--cluster <name>', 'names the CA', 'mailcluster'),
  'init --tls-dir pki --nodes mail-0,mail-1,mail-2 > cluster.env')
    .action(guarded((o: { tlsDir?: string; nodes?: string; cluster?: string }) => runInit(o)));
  example(program.command('node-certs').description('print the Secret mailcluster-node-tls (a new cluster CA and one certificate per StatefulSet pod) for the internal links, as JSON for kubectl apply')
    .requiredOption('--namespace <ns>', 'the namespace of the mail pods')
    .option('--statefulset <name>', 'the mail StatefulSet (pods <name>-0 …)', 'mail')
    .option('--replicas <n>', 'pods to issue certificates for', integer(1, 99), 3)
    .option('--cluster <name>', 'names the CA', 'mailcluster'),
  'node-certs --namespace mail --replicas 3 | kubectl apply -f -')
    .action(guarded((o: { namespace: string; statefulset: string; replicas: number; cluster: string }) => runNodeCerts(o)));
  example(program.command('etcd-certs').description('print Secrets etcd-server-tls and etcd-client-tls (a new etcd CA) for the bundled Kubernetes etcd, as JSON for kubectl apply')
    .requiredOption('--namespace <ns>', 'the namespace of the etcd and mail pods')
    .option('--service <name>', 'the etcd StatefulSet and headless Service', 'etcd')
    .option('--replicas <n>', 'etcd members to name in the certificate', integer(1, 9), 3),
  'etcd-certs --namespace mail | kubectl apply -f -')
    .action(guarded((o: { namespace: string; service: string; replicas: number }) => runEtcdCerts(o)));
  example(program.command('ensure-etcd').description('check for etcd, installing Debian\'s etcd-server when root'), 'ensure-etcd')
    .action(guarded(() => { process.stdout.write(`etcd: ${ensureEtcd()}\n`); }));

  registerAccountVerbs(program, global, guarded);
  return program;
}
