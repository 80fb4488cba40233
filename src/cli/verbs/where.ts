/** `mailcluster where <account> [--json]`: which node has the account open, and its fencing token. */
import { parseAccount } from '../../util/account.ts';
import { withView } from '../cluster-snapshot.ts';
import { clientConfig, type GlobalOptions } from '../context.ts';

export async function runWhere(account: string, opts: GlobalOptions & { json?: boolean }): Promise<void> {
  const name = parseAccount(account).address;
  const config = clientConfig(opts);
  const grant = await withView(config, (view) => view.grant(name));
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(grant ? { account: name, holder: grant.holder, token: grant.token, since: grant.value.since } : { account: name, holder: null })}\n`);
  } else if (grant) {
    process.stdout.write(`${name} is open on ${grant.holder} (token ${grant.token}, since ${new Date(grant.value.since).toISOString()})\n`);
  } else {
    process.stdout.write(`${name} is not open on any node\n`);
  }
}
