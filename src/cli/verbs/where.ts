/** `mailcluster where <account> [--json]`: which node has the account open, and its fencing token. */
import { whereSchema } from '../../cluster/admin-api.ts';
import { AdminClient } from '../admin-client.ts';
import { clientConfig, type GlobalOptions } from '../context.ts';

export async function runWhere(account: string, opts: GlobalOptions & { json?: boolean }): Promise<void> {
  const w = (await new AdminClient(clientConfig(opts)).get(`/accounts/${encodeURIComponent(account)}/where`, whereSchema));
  if (opts.json) process.stdout.write(`${JSON.stringify(w)}\n`);
  else if (w.holder) process.stdout.write(`${w.account} is open on ${w.holder} (token ${w.token}, since ${new Date(w.since!).toISOString()})\n`);
  else process.stdout.write(`${w.account} is not open on any node\n`);
}
