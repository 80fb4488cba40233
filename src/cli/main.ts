/** The `mailcluster` command line: one file per verb under verbs/. */
import { Command } from 'commander';
import { VERSION } from '../version.ts';
import { ensureEtcd } from '../devcluster/etcd-binary.ts';
import { clientConfig, reportFailure, type GlobalOptions } from './context.ts';
import { runNode } from './verbs/node.ts';
import { runDev } from './verbs/dev.ts';
import { runStatus } from './verbs/status.ts';
import { runWhere } from './verbs/where.ts';
import { runStepDown } from './verbs/step-down.ts';
import { runInit, runPrintconf } from './verbs/config.ts';
import { registerAccountVerbs } from './verbs/accounts.ts';
import { runDrain } from './verbs/drain.ts';
import { runMove } from './verbs/move.ts';
import { runWatch } from './verbs/watch.ts';
import { registerQueueVerbs } from './verbs/queue.ts';
import { AdminClient } from './admin-client.ts';
import { adminToken } from '../cluster/admin-token.ts';

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

program.command('node').description('run one node (config from the file and MAILCLUSTER_* variables)').action(guarded(() => runNode(global())));
program
  .command('dev')
  .description('run a local cluster: a private etcd and N nodes on one data directory')
  .option('--nodes <n>', 'number of nodes', '3')
  .option('--data <dir>', 'data directory (default: "./data")')
  .option('--lease-ttl <seconds>', 'lease TTL of the nodes', '5')
  // --data is also the program's option, and commander gives it to the program: read both
  .action(guarded((o: { nodes: string; data?: string; leaseTtl: string }) => runDev({ ...o, data: o.data ?? global().data ?? './data' })));
program.command('status').description('one row per node, the controller marked').option('--json', 'JSON output').action(guarded((o: { json?: boolean }) => runStatus({ ...global(), ...o })));
program.command('where <account>').description('which node has the account open').option('--json', 'JSON output').action(guarded((a: string, o: { json?: boolean }) => runWhere(a, { ...global(), ...o })));
program
  .command('drain <node>')
  .description('move every account off a node and place none there')
  .option('--wait', 'wait until the node holds no accounts, printing progress')
  .option('--timeout <seconds>', 'give up waiting after this long', '300')
  .action(guarded((n: string, o: { wait?: boolean; timeout?: string }) => runDrain(n, { ...global(), ...o })));
program.command('undrain <node>').description('let a drained node hold accounts again').action(guarded((n: string) => runDrain(n, global(), false)));
program
  .command('move <account>')
  .description('close the account on its holder and open it on another node')
  .option('--to <node>', 'the node to open it on (default: wherever placement puts it)')
  .option('--json', 'JSON output')
  .action(guarded((a: string, o: { to?: string; json?: boolean }) => runMove(a, { ...global(), ...o })));
program
  .command('watch')
  .description('follow cluster events (failovers, joins, drains, moves, takeovers)')
  .option('--json', 'JSON lines')
  .option('--history <n>', 'recent events to show first', '20')
  .action(guarded((o: { json?: boolean; history?: string }) => runWatch({ ...global(), ...o })));
program
  .command('forget <node>')
  .description('stop listing a node whose lease is gone (after a scale-down)')
  .action(guarded(async (n: string) => {
    await new AdminClient(clientConfig(global())).delete(`/nodes/${encodeURIComponent(n)}`);
    process.stdout.write(`${n} forgotten\n`);
  }));
registerQueueVerbs(program, global, guarded);
program
  .command('admin-token')
  .description('print the admin API / dashboard token this config gives (admin.token, or derived from the secret)')
  .action(guarded(() => {
    process.stdout.write(`${adminToken(clientConfig(global()))}\n`);
  }));
program.command('step-down').description('the controller resigns (planned failover)').action(guarded(() => runStepDown(global())));
program.command('printconf').description('print the effective configuration, secrets redacted').option('--env', 'list every MAILCLUSTER_* variable instead').action(guarded((o: { env?: boolean }) => runPrintconf({ ...global(), ...o })));
program.command('init').description('generate a cluster secret').action(guarded(() => runInit()));
program.command('ensure-etcd').description('check for etcd, installing Debian\'s etcd-server when root').action(guarded(() => { process.stdout.write(`etcd: ${ensureEtcd()}\n`); }));

registerAccountVerbs(program, global, guarded);

await program.parseAsync(process.argv);
