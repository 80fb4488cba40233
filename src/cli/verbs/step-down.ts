/** `mailcluster step-down`: the controller resigns (planned failover); prints the successor. */
import { stepDownResultSchema } from '../../cluster/admin-api.ts';
import { AdminClient } from '../admin-client.ts';
import { clientConfig, type GlobalOptions } from '../context.ts';

export async function runStepDown(opts: GlobalOptions): Promise<void> {
  const r = (await new AdminClient(clientConfig(opts)).post('/controller/step-down', stepDownResultSchema));
  process.stdout.write(r.to ? `${r.from} stepped down; ${r.to} is controller (after ${r.ms} ms)\n` : `${r.from} stepped down; no successor yet\n`);
}
