/** `mailcluster status [--json]`: one row per registered node, the controller marked. */
import { withView } from '../cluster-snapshot.ts';
import { clientConfig, type GlobalOptions } from '../context.ts';

export interface NodeRow {
  name: string;
  address: string;
  role: string;
  controller: boolean;
  state: 'active' | 'draining';
  uptimeSeconds: number;
  open: number;
  version: string;
  ports: Record<string, number>;
}

function duration(s: number): string {
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

export function formatTable(rows: NodeRow[]): string {
  const header = ['NAME', 'ADDRESS', 'ROLE', 'STATE', 'UPTIME', 'OPEN', 'VERSION'];
  const body = rows.map((r) => [
    r.controller ? `${r.name}*` : r.name,
    r.address,
    r.role + (r.controller ? ' (controller)' : ''),
    r.state,
    duration(r.uptimeSeconds),
    String(r.open),
    r.version,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  return [header, ...body].map((cols) => cols.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export async function runStatus(opts: GlobalOptions & { json?: boolean }): Promise<void> {
  const config = clientConfig(opts);
  const rows = await withView(config, (view) => {
    const controller = view.controller()?.node;
    const open = new Map<string, number>();
    for (const g of view.grants.values()) open.set(g.holder, (open.get(g.holder) ?? 0) + 1);
    return [...view.nodes.values()]
      .map((n): NodeRow => ({
        name: n.value.name,
        address: n.value.address,
        role: n.value.role,
        controller: n.value.name === controller,
        state: view.drains.has(n.value.name) ? 'draining' : 'active',
        uptimeSeconds: Math.max(0, Math.round((Date.now() - n.value.started) / 1000)),
        open: open.get(n.value.name) ?? 0,
        version: n.value.version,
        ports: n.value.ports,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  });
  if (opts.json) process.stdout.write(`${JSON.stringify({ nodes: rows }, null, 2)}\n`);
  else process.stdout.write(rows.length ? `${formatTable(rows)}\n` : 'no nodes registered\n');
}
