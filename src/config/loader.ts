/**
 * Loads the configuration once: schema defaults → JSON file → MAILCLUSTER_* environment, validated
 * with every problem collected, then frozen. Fails with ConfigError listing all problems.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { checkCrossFields, configSchema, SECRET_PATHS, type Config } from './schema.ts';
import { readEnv } from './env.ts';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  /** Path of a JSON config file; defaults to $MAILCLUSTER_CONFIG. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** 'node' requires everything a node needs (the secret); 'client' is for CLI tools. */
  purpose?: 'node' | 'client';
  /** Values that win over everything (command-line flags). */
  overrides?: Record<string, Record<string, unknown>>;
}

type Layer = Record<string, Record<string, unknown>>;

function merge(...layers: Layer[]): Layer {
  const out: Layer = {};
  for (const layer of layers) {
    for (const [section, values] of Object.entries(layer)) {
      out[section] = { ...(out[section] ?? {}), ...values };
    }
  }
  return out;
}

function readFileLayer(file: string, problems: string[]): Layer {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Layer;
    problems.push(`${file}: must hold a JSON object`);
  } catch (err) {
    problems.push(`${file}: ${(err as Error).message}`);
  }
  return {};
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

export function loadConfig(opts: LoadOptions = {}): Readonly<Config> {
  const env = opts.env ?? process.env;
  const problems: string[] = [];
  const file = opts.file ?? env.MAILCLUSTER_CONFIG;
  const fileLayer = file ? readFileLayer(file, problems) : {};
  const envLayer = readEnv(env);
  problems.push(...envLayer.problems);
  const defaults: Layer = { node: { name: hostname().toLowerCase().split('.')[0] } };
  const merged = merge(defaults, fileLayer, envLayer.values, opts.overrides ?? {});
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new ConfigError(problems);
  }
  problems.push(...checkCrossFields(parsed.data, opts.purpose ?? 'node'));
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(parsed.data);
}

/** The config with secrets replaced by "<redacted>", for printconf and logs. */
export function redactConfig(c: Config): Config {
  const copy = structuredClone(c) as unknown as Record<string, Record<string, unknown>>;
  for (const path of SECRET_PATHS) {
    const [section, key] = path.split('.') as [string, string];
    if (copy[section] && key in copy[section]) copy[section][key] = '<redacted>';
  }
  return copy as unknown as Config;
}
