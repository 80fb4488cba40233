/**
 * Shared plumbing for CLI verbs: where the config comes from and how failures are printed.
 * Config file: --config, else $MAILCLUSTER_CONFIG, else ./data/mailcluster.json when it exists
 * (written by `mailcluster dev`, so the CLI works right after `npm start`) — but only when the
 * environment names no etcd: a process configured by MAILCLUSTER_* variables (a pod, a test) never
 * picks up a dev cluster's file from whatever directory it happens to run in.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from '../config/loader.ts';
import type { Config } from '../config/schema.ts';
import { EtcdMissingError } from '../devcluster/etcd-binary.ts';
import { CliError } from './admin-client.ts';

export interface GlobalOptions { config?: string }

export function configFile(opts: GlobalOptions): string | undefined {
  if (opts.config) return opts.config;
  if (process.env.MAILCLUSTER_CONFIG) return process.env.MAILCLUSTER_CONFIG;
  if (process.env.MAILCLUSTER_ETCD_ENDPOINTS) return undefined;
  const dev = resolve('data', 'mailcluster.json');
  return existsSync(dev) ? dev : undefined;
}

export function clientConfig(opts: GlobalOptions): Readonly<Config> {
  return loadConfig({ file: configFile(opts), purpose: 'client' });
}

/** Prints expected failures as one clear message (exit 2 for config, 1 otherwise). */
export function reportFailure(err: unknown): never {
  if (err instanceof ConfigError) {
    process.stderr.write(`mailcluster: ${err.message}\n`);
    process.exit(2);
  }
  if (err instanceof CliError && err.status === 401) {
    process.stderr.write(`mailcluster: ${err.message} (check MAILCLUSTER_ADMIN_TOKEN or the cluster secret in the config)\n`);
    process.exit(1);
  }
  if (err instanceof EtcdMissingError) {
    process.stderr.write(`mailcluster: ${err.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`mailcluster: ${(err as Error)?.message ?? String(err)}\n`);
  process.exit(1);
}
