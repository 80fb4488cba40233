/**
 * Shared plumbing for CLI verbs: where the config comes from and how failures are printed.
 * Config file: --config FILE, else --data DIR (the dev cluster's DIR/mailcluster.json), else
 * $MAILCLUSTER_CONFIG (`npm start` prints the line to export), else none: defaults and MAILCLUSTER_*
 * variables only. The working directory is never searched, so a run from anywhere (a test, a pod's
 * preStop hook in WORKDIR) reads exactly the config it was given.
 */
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig } from '../config/loader.ts';
import type { Config } from '../config/schema.ts';
import { EtcdMissingError } from '../devcluster/etcd-binary.ts';
import { CliError } from './admin-client.ts';

export interface GlobalOptions { config?: string; data?: string }

export function configFile(opts: GlobalOptions): string | undefined {
  if (opts.config) return opts.config;
  if (opts.data) return resolve(join(opts.data, 'mailcluster.json'));
  return process.env.MAILCLUSTER_CONFIG || undefined;
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
