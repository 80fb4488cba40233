/** `mailcluster printconf` (effective config, secrets redacted) and `mailcluster init` (a new secret, the cluster CA). */
import { randomBytes } from 'node:crypto';
import { envKeys } from '../../config/env.ts';
import { loadConfig, redactConfig } from '../../config/loader.ts';
import { configFile, type GlobalOptions } from '../context.ts';
import { resolve } from 'node:path';
import { writeNodePki } from './node-certs.ts';

export function runPrintconf(opts: GlobalOptions & { env?: boolean }): void {
  if (opts.env) {
    for (const k of envKeys()) process.stdout.write(`${k.name}\t${k.path}\t${k.kind}\n`);
    return;
  }
  const config = loadConfig({ file: configFile(opts), purpose: 'client' });
  process.stdout.write(`${JSON.stringify(redactConfig(config), null, 2)}\n`);
}

/** A new cluster secret on stdout; with `tlsDir`, the cluster CA and node certificates there too (node-certs.ts). */
export async function runInit(o: { tlsDir?: string; nodes?: string; cluster?: string } = {}): Promise<void> {
  const secret = randomBytes(32).toString('base64url');
  process.stdout.write(`# the cluster secret: give every node the same value (a Kubernetes Secret)\nMAILCLUSTER_CLUSTER_SECRET=${secret}\n`);
  if (o.tlsDir) {
    const nodes = (o.nodes ?? '').split(',').map((n) => n.trim()).filter(Boolean);
    process.stdout.write(await writeNodePki(resolve(o.tlsDir), nodes, o.cluster ?? 'mailcluster'));
  }
}
