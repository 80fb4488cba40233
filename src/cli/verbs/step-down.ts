/** `mailcluster step-down`: asks the controller to resign (planned failover); prints the successor. */
import { RpcClient } from '../../cluster/rpc/client.ts';
import { withView } from '../cluster-snapshot.ts';
import { clientConfig, type GlobalOptions } from '../context.ts';

export async function runStepDown(opts: GlobalOptions): Promise<void> {
  const config = clientConfig(opts);
  if (!config.cluster.secret) throw new Error('step-down needs the cluster secret (cluster.secret in the config or MAILCLUSTER_CLUSTER_SECRET)');
  const rpc = new RpcClient(config.cluster.secret);
  try {
    const result = await withView(config, async (view) => {
      const ctl = view.controller();
      const node = ctl && view.nodes.get(ctl.node);
      if (!node?.value.ports.rpc) throw new Error('no controller is elected right now');
      const started = Date.now();
      const r = await rpc.call({ host: node.value.address, port: node.value.ports.rpc }, 'stepDown', {}, 5000);
      if (!r.resigned) return { from: r.node, to: undefined, ms: 0 };
      await view.waitFor(() => view.controller() !== undefined && view.controller()!.node !== r.node, 30_000);
      return { from: r.node, to: view.controller()!.node, ms: Date.now() - started };
    });
    process.stdout.write(result.to ? `${result.from} stepped down; ${result.to} is controller (after ${result.ms} ms)\n` : `${result.from} was not leading\n`);
  } finally {
    rpc.close();
  }
}
