/**
 * Maps the schema's leaves to MAILCLUSTER_* environment variables:
 * `lease.ttlSeconds` ↔ MAILCLUSTER_LEASE_TTL_SECONDS. Arrays are comma-separated.
 * Derived from the schema itself, so a new setting gets its variable with no extra code.
 */
import type { z } from 'zod';
import { configSchema } from './schema.ts';

export interface EnvKey {
  /** Dotted path in the config object, e.g. `lease.ttlSeconds`. */
  path: string;
  /** The environment variable, e.g. `MAILCLUSTER_LEASE_TTL_SECONDS`. */
  name: string;
  kind: 'string' | 'number' | 'boolean' | 'list';
}

/** Variables that are not config leaves but steer the loader. */
export const LOADER_VARIABLES = ['MAILCLUSTER_CONFIG'] as const;

function snake(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

type AnySchema = z.ZodType & { def: { type: string; innerType?: AnySchema; shape?: Record<string, AnySchema> } };

function unwrap(s: AnySchema): AnySchema {
  let cur = s;
  while (cur.def.innerType && ['default', 'optional', 'nullable', 'prefault'].includes(cur.def.type)) cur = cur.def.innerType;
  return cur;
}

function kindOf(s: AnySchema): EnvKey['kind'] {
  const t = unwrap(s).def.type;
  if (t === 'number') return 'number';
  if (t === 'boolean') return 'boolean';
  if (t === 'array') return 'list';
  return 'string';
}

/** Every settable leaf of the schema with its environment variable. */
export function envKeys(): EnvKey[] {
  const out: EnvKey[] = [];
  const sections = (configSchema as unknown as AnySchema).def.shape ?? {};
  for (const [section, sectionSchema] of Object.entries(sections)) {
    const shape = unwrap(sectionSchema).def.shape ?? {};
    for (const [key, leaf] of Object.entries(shape)) {
      out.push({ path: `${section}.${key}`, name: `MAILCLUSTER_${snake(section)}_${snake(key)}`, kind: kindOf(leaf) });
    }
  }
  return out;
}

/**
 * Reads the MAILCLUSTER_* variables into a partial config object. Values that cannot be converted
 * are reported in `problems`, not thrown, so that every error is reported at once.
 */
export function readEnv(env: NodeJS.ProcessEnv): { values: Record<string, Record<string, unknown>>; problems: string[] } {
  const values: Record<string, Record<string, unknown>> = {};
  const problems: string[] = [];
  const known = new Set<string>(LOADER_VARIABLES);
  for (const k of envKeys()) {
    known.add(k.name);
    const raw = env[k.name];
    if (raw === undefined || raw === '') continue;
    const [section, key] = k.path.split('.') as [string, string];
    let value: unknown = raw;
    if (k.kind === 'number') {
      value = Number(raw);
      if (!Number.isFinite(value)) problems.push(`${k.name}: expected a number, got "${raw}"`);
    } else if (k.kind === 'boolean') {
      if (!['true', 'false', '1', '0'].includes(raw)) problems.push(`${k.name}: expected true or false, got "${raw}"`);
      value = raw === 'true' || raw === '1';
    } else if (k.kind === 'list') {
      value = raw.split(',').map((s) => s.trim()).filter(Boolean);
    }
    (values[section] ??= {})[key] = value;
  }
  for (const name of Object.keys(env)) {
    if (name.startsWith('MAILCLUSTER_') && !known.has(name)) problems.push(`${name}: unknown setting`);
  }
  return { values, problems };
}
