/**
 * The node table `mailcluster dev` prints once the cluster is up: one row per node with its PID
 * (what `kill -9` needs for a failover drill) and every port it listens on. Pure: takes the rows,
 * returns the text.
 */
export interface DevNodeRow {
  name: string;
  pid: number | undefined;
  address: string;
  controller: boolean;
  ports: Record<string, number>;
}

/** Columns, in order: header → port name in the cluster file. */
const PORT_COLUMNS: Array<[string, string]> = [
  ['SMTP', 'smtp'], ['SUBMIT', 'submission'], ['SUBMITS', 'submissions'], ['IMAP', 'imap'], ['IMAPS', 'imaps'],
  ['POP3', 'pop3'], ['POP3S', 'pop3s'], ['ADMIN', 'admin'],
];

export function devNodeTable(rows: DevNodeRow[]): string {
  const header = ['NODE', 'PID', 'ADDRESS', ...PORT_COLUMNS.map(([h]) => h)];
  const body = rows.map((r) => [
    `${r.name}${r.controller ? ' *' : ''}`,
    r.pid === undefined ? '-' : String(r.pid),
    r.address,
    ...PORT_COLUMNS.map(([, k]) => String(r.ports[k] ?? '-')),
  ]);
  const all = [header, ...body];
  const widths = header.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  return all.map((row) => `  ${row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()}\n`).join('');
}
