/** `mailcluster move <account> [--to <node>]`: the controller closes the account on its holder and opens it on `node`. */
import { moveResultSchema } from '../../cluster/admin-api.ts';
import { AdminClient } from '../admin-client.ts';
import { clientConfig, type GlobalOptions } from '../context.ts';

export async function runMove(account: string, opts: GlobalOptions & { to?: string; json?: boolean }): Promise<void> {
  const r = (await new AdminClient(clientConfig(opts)).post(`/accounts/${encodeURIComponent(account)}/move`, moveResultSchema, opts.to ? { to: opts.to } : {}));
  if (opts.json) process.stdout.write(`${JSON.stringify(r)}\n`);
  else if (r.from === r.holder) process.stdout.write(`${r.account} is already open on ${r.holder}\n`);
  else process.stdout.write(`${r.account} ${r.from ? `moved from ${r.from} ` : 'opened '}to ${r.holder} (token ${r.token})\n`);
}
