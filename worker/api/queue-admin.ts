/**
 * Read-only views of the spools on the shared root (`queue/<node>/env/*.json`), for
 * `mailcluster queue list|show`. Any node can read every spool; only its worker writes it.
 * Envelopes that fail to parse (a write in progress, a damaged file) are counted as `unreadable`.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { envelopeSchema, type Envelope } from '../../src/queue/spool.ts';
import { NODE_NAME } from '../../src/config/schema.ts';

import type { QueueSummary } from '../../src/cluster/admin-api.ts';

export type { QueueSummary };

async function envelopes(root: string, node: string): Promise<{ list: Envelope[]; unreadable: number }> {
  const dir = join(root, 'queue', node, 'env');
  const list: Envelope[] = [];
  let unreadable = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.endsWith('.json')) continue;
    try {
      list.push(envelopeSchema.parse(JSON.parse(await readFile(join(dir, name), 'utf8'))));
    } catch {
      unreadable++;
    }
  }
  return { list: list.sort((a, b) => a.received - b.received), unreadable };
}

export async function listQueues(root: string): Promise<QueueSummary[]> {
  const out: QueueSummary[] = [];
  for (const node of (await readdir(join(root, 'queue')).catch(() => [] as string[])).sort()) {
    if (!NODE_NAME.test(node)) continue;
    const { list, unreadable } = await envelopes(root, node);
    out.push({ spoolOf: node, messages: list.length, bytes: list.reduce((n, e) => n + e.size, 0), oldest: list[0]?.received ?? null, unreadable });
  }
  return out;
}

/** The envelopes in one node's spool, oldest first. `node` must be a node name (no paths). */
export async function showQueue(root: string, node: string): Promise<Envelope[]> {
  if (!NODE_NAME.test(node)) throw new RangeError(`not a node name: ${node}`);
  return (await envelopes(root, node)).list;
}
