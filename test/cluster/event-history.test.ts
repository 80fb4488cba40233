/**
 * The README's promise about cluster events: etcd keeps the newest EVENT_HISTORY (500), so a new
 * `watch` or dashboard shows recent history without the log growing forever. Real etcd; two
 * writers (every node appends its own events) write 650 events between them, interleaved.
 * Trimming runs every 50 appends of a writer, so between trims a writer may leave up to 49 more.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Etcd3 } from 'etcd3';
import { EVENT_HISTORY, EventLog } from '../../src/cluster/events.ts';
import { Keys } from '../../src/cluster/keys.ts';
import { EtcdProcess } from '../../src/devcluster/etcd-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'mailcluster-events-'));
const etcd = new EtcdProcess(join(dir, 'etcd'));
let client: Etcd3;
const keys = new Keys('events');

beforeAll(async () => {
  await etcd.start();
  client = new Etcd3({ hosts: [etcd.endpoint] });
});
afterAll(async () => {
  client?.close();
  await etcd.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the cluster event log', () => {
  it('keeps the newest 500 events, oldest trimmed, and recent() reads them in order', async () => {
    const writers = [new EventLog(client, keys, 'mail-0'), new EventLog(client, keys, 'mail-1')];
    const written: string[] = [];
    for (let i = 0; i < 650; i++) {
      const e = await writers[i % 2]!.append({ type: 'node-joined', node: `n${i}`, message: `event ${i}` });
      written.push(e.id);
    }
    written.sort(); // event ids sort by time, then writer: the order etcd keeps and trims them in
    const stored = await client.getAll().prefix(keys.eventsPrefix).keys();
    expect(stored.length).toBeGreaterThanOrEqual(EVENT_HISTORY);
    expect(stored.length).toBeLessThan(EVENT_HISTORY + 2 * 50); // each writer may be up to 49 past its last trim
    // what is kept is the newest events, in one contiguous run: nothing old survives, nothing new was dropped
    const kept = new Set(stored.map((k) => k.slice(keys.eventsPrefix.length)));
    expect(written.slice(-stored.length).every((id) => kept.has(id))).toBe(true);
    expect(kept.has(written[0]!)).toBe(false);
    // a new watcher's history: the newest 500, oldest first
    const { events } = await new EventLog(client, keys, 'cli').recent(EVENT_HISTORY);
    expect(events.map((e) => e.id)).toEqual(written.slice(-EVENT_HISTORY));
  });
});
