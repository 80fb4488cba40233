/**
 * `mailcluster status [--json]`: one row per node (design §8) — NAME ADDRESS HOST PID ROLE STATE
 * UPTIME LOAD MEM DISK OPEN SESSIONS — the controller marked with `*`, nodes whose lease is gone
 * shown as `unreachable`. HOST and PID say where to look (or what to kill -9 in a failover drill).
 * Data from the admin API of any node, validated against its schema (src/cluster/admin-api.ts).
 */
import { clusterStatusSchema, type NodeRow } from '../../cluster/admin-api.ts';
import { AdminClient } from '../admin-client.ts';
import { clientConfig, type GlobalOptions } from '../context.ts';

export type { NodeRow };

export function duration(s: number): string {
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

export function bytes(n: number | null): string {
  if (n === null) return '-';
  if (n >= 1024 ** 4) return `${(n / 1024 ** 4).toFixed(1)}T`;
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)}G`;
  return `${Math.round(n / 1024 ** 2)}M`;
}

export function formatTable(rows: NodeRow[]): string {
  const header = ['NAME', 'ADDRESS', 'HOST', 'PID', 'ROLE', 'STATE', 'UPTIME', 'LOAD', 'MEM', 'DISK', 'OPEN', 'SESSIONS'];
  const body = rows.map((r) => [
    r.controller ? `${r.name}*` : r.name,
    r.address,
    r.host ?? '-',
    r.pid === null ? '-' : String(r.pid),
    r.controller ? `${r.role} (controller)` : r.role,
    r.state,
    r.state === 'unreachable' ? '-' : duration(r.uptimeSeconds),
    r.load1 === null ? '-' : r.load1.toFixed(2),
    bytes(r.rssBytes),
    r.diskFreeBytes === null ? '-' : `${bytes(r.diskFreeBytes)} free`,
    String(r.open),
    r.state === 'unreachable' ? '-' : String(Object.values(r.sessions).reduce((a, b) => a + b, 0)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  return [header, ...body].map((cols) => cols.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export async function runStatus(opts: GlobalOptions & { json?: boolean }): Promise<void> {
  const status = await new AdminClient(clientConfig(opts)).get('/status', clusterStatusSchema);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    return;
  }
  process.stdout.write(status.nodes.length ? `${formatTable(status.nodes)}\n` : 'no nodes registered\n');
  process.stdout.write(`controller: ${status.controller ?? 'none (election in progress)'}; ${status.openAccounts} accounts open\n`);
}
