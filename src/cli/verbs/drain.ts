/**
 * `mailcluster drain <node> [--wait]` and `mailcluster undrain <node>`: set or clear the node's
 * drain flag. While draining, the controller moves the node's accounts away (their IMAP sessions
 * get `* BYE`) and never places new ones there. `--wait` shows a progress bar of accounts and
 * sessions left and returns when none are, or fails after `--timeout` seconds.
 */
import { clusterStatusSchema, drainResultSchema } from '../../cluster/admin-api.ts';
import { AdminClient, CliError } from '../admin-client.ts';
import { clientConfig, type GlobalOptions } from '../context.ts';

function bar(done: number, total: number, width = 30): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

export async function runDrain(node: string, opts: GlobalOptions & { wait?: boolean; timeout?: number }, drain = true): Promise<void> {
  const api = new AdminClient(clientConfig(opts));
  const r = await api.post(`/nodes/${encodeURIComponent(node)}/${drain ? 'drain' : 'undrain'}`, drainResultSchema);
  process.stdout.write(drain ? `${node} draining (${r.accounts} accounts open)\n` : `${node} active again\n`);
  if (!drain || !opts.wait) return;
  const timeoutMs = Number(opts.timeout ?? 300) * 1000;
  const until = Date.now() + timeoutMs;
  const total = Math.max(1, r.accounts);
  const tty = process.stdout.isTTY;
  let last = '';
  for (;;) {
    const status = await api.get('/status', clusterStatusSchema);
    const row = status.nodes.find((n) => n.name === node);
    if (!row || row.state === 'unreachable') throw new CliError(`${node} left the cluster while draining`);
    const sessions = (row.sessions.imap ?? 0) + (row.sessions.pop3 ?? 0);
    const line = `${bar(total - Math.min(total, row.open), total)} ${row.open} accounts, ${sessions} sessions left on ${node}`;
    if (line !== last) process.stdout.write(tty ? `\r${line}` : `${line}\n`);
    last = line;
    if (row.open === 0) break;
    if (Date.now() > until) throw new CliError(`${node} still holds ${row.open} accounts after ${timeoutMs / 1000} s`);
    await new Promise((res) => setTimeout(res, 250));
  }
  process.stdout.write(`${tty ? '\n' : ''}${node} drained: no accounts left\n`);
}
