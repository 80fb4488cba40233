/**
 * The account's `subscriptions` file at the Maildir++ root, in Dovecot's format
 * (src/lib-storage/list/subscription-file.c):
 *   version 2:  "V\t2\n\n" then one name per line, hierarchy levels separated by TAB, each level
 *               tab-escaped (\x01 → \x011, TAB → \x01t, CR → \x01r, LF → \x01n);
 *   version 1:  no header, one name per line with the storage's separator (`.` for Maildir++).
 * Levels are written in modified UTF-7 like the folder directories (Dovecot's storage names for
 * Maildir++). Reading accepts both versions, `/` as a separator in version 1 (files written by
 * earlier mailcluster versions), and levels that are plain UTF-8.
 *
 * Lines whose names the store cannot represent are kept as they are when the file is rewritten,
 * so a name Dovecot subscribed is never lost.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurable } from '../../util/fsync.ts';
import { normaliseFolderName } from '../names.ts';
import { HIERARCHY_SEPARATOR } from '../types.ts';
import { errno } from './fsops.ts';
import { decodeMutf7, encodeMutf7 } from '../../util/mutf7.ts';

export const SUBSCRIPTIONS_FILE = 'subscriptions';
const V2_HEADER = 'V\t2\n\n';

/** Subscribed names the store can represent, and the other lines (kept verbatim, v2 form). */
export interface Subscriptions {
  names: Set<string>;
  foreign: string[];
}

const unescapeLevel = (s: string): string => s.replace(/\x01([1trn0])/g, (_, c: string) => ({ '1': '\x01', t: '\t', r: '\r', n: '\n', '0': '\0' })[c]!);
const escapeLevel = (s: string): string => s.replace(/[\x01\t\r\n]/g, (c) => ({ '\x01': '\x011', '\t': '\x01t', '\r': '\x01r', '\n': '\x01n' })[c]!);

function nameOf(levels: string[]): string | undefined {
  try {
    return normaliseFolderName(levels.map((l) => (l.includes('&') ? (decodeMutf7(l) ?? l) : l)).join(HIERARCHY_SEPARATOR));
  } catch {
    return undefined;
  }
}

/** Parses either version. Never throws. */
export function parseSubscriptions(text: string): Subscriptions {
  const v2 = text.startsWith(V2_HEADER);
  const out: Subscriptions = { names: new Set(), foreign: [] };
  for (const line of (v2 ? text.slice(V2_HEADER.length) : text).split('\n')) {
    if (line === '') continue;
    const levels = v2 ? line.split('\t').map(unescapeLevel) : line.split(/[./]/);
    const name = nameOf(levels);
    if (name !== undefined) out.names.add(name);
    else out.foreign.push(v2 ? line : levels.map(escapeLevel).join('\t'));
  }
  return out;
}

/** Version 2 text: the names (mUTF-7 levels) in the order given, then the foreign lines. */
export function formatSubscriptions(names: Iterable<string>, foreign: readonly string[] = []): string {
  const lines = [...names].map((n) => n.split(HIERARCHY_SEPARATOR).map((l) => escapeLevel(encodeMutf7(l))).join('\t'));
  return V2_HEADER + [...lines, ...foreign].map((l) => `${l}\n`).join('');
}

export async function readSubscriptions(accountDirectory: string): Promise<Subscriptions> {
  try {
    return parseSubscriptions(await readFile(join(accountDirectory, SUBSCRIPTIONS_FILE), 'utf8'));
  } catch (err) {
    if (errno(err) === 'ENOENT') return { names: new Set(), foreign: [] };
    throw err;
  }
}

/** Replaces the file durably (temp file, fsync, rename, directory fsync). */
export async function writeSubscriptions(accountDirectory: string, names: Iterable<string>, foreign: readonly string[]): Promise<void> {
  const path = join(accountDirectory, SUBSCRIPTIONS_FILE);
  await writeFileDurable(path, formatSubscriptions(names, foreign), `${path}.mailcluster.tmp`);
}
