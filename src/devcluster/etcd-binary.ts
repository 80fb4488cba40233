/**
 * Finding the `etcd` binary: $MAILCLUSTER_ETCD_BIN, then PATH. When it is missing and we are root
 * with apt-get, Debian's `etcd-server` package is installed; otherwise EtcdMissingError says
 * exactly what to install (never a stack trace).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export class EtcdMissingError extends Error {
  constructor() {
    super(
      'etcd is not installed. Install Debian\'s etcd-server package (as root: apt-get update && apt-get install -y etcd-server), ' +
        'or put an etcd 3.4+ binary on PATH or in MAILCLUSTER_ETCD_BIN.',
    );
    this.name = 'EtcdMissingError';
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch { /* next */ }
  }
  return undefined;
}

export function findEtcd(): string | undefined {
  return process.env.MAILCLUSTER_ETCD_BIN || onPath('etcd');
}

/** Returns the etcd path, installing etcd-server with apt-get when possible. Logs progress to stderr. */
export function ensureEtcd(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): string {
  const found = findEtcd();
  if (found) return found;
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !onPath('apt-get')) throw new EtcdMissingError();
  log('etcd not found: installing Debian package etcd-server with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const r = spawnSync('apt-get', ['install', '-y', '-qq', 'etcd-server'], { stdio: 'inherit', env });
  const after = findEtcd();
  if (r.status !== 0 || !after) throw new EtcdMissingError();
  try {
    log(execFileSync(after, ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? 'etcd installed');
  } catch { /* version is informational */ }
  return after;
}
