/**
 * The cluster event log (design §8, `mailcluster watch`): what operators want to see happen —
 * controller lost / elected with the measured gap, nodes joining and leaving, drains, accounts
 * moved, queues taken over, self-fencing. Events are kept in etcd under `events/<key>` so that a
 * new watcher sees recent history; keys sort by time (`<ms, 13 digits>-<node>-<seq>`) and the
 * log is trimmed to the newest `EVENT_HISTORY` by whoever appends.
 *
 * Contract: appending is best effort (an event lost while etcd is down is logged, never retried
 * forever, and never blocks the action it reports). Readers get events in key order.
 */
import { Range, type Etcd3, type IKeyValue, type Watcher } from 'etcd3';
import { z } from 'zod';
import type { Keys } from './keys.ts';
import { systemClock, type Clock } from '../util/clock.ts';

export const EVENT_TYPES = [
  'controller-lost',
  'controller-elected',
  'controller-stepped-down',
  'node-joined',
  'node-left',
  'node-draining',
  'node-drained',
  'node-undrained',
  'account-moved',
  'queue-taken-over',
  'self-fenced',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const clusterEventSchema = z.object({
  id: z.string(),
  at: z.number(),
  type: z.enum(EVENT_TYPES),
  /** The node the event is about (the new controller, the node that left, …). */
  node: z.string().optional(),
  account: z.string().optional(),
  /** Measured duration: the controller gap for controller-elected, time fenced for self-fenced. */
  gapMs: z.number().optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  /** Who wrote the event. */
  by: z.string(),
  message: z.string(),
});
export type ClusterEvent = z.infer<typeof clusterEventSchema>;
export type NewEvent = Omit<ClusterEvent, 'id' | 'at' | 'by'> & { at?: number };

export const EVENT_HISTORY = 500;

let seq = 0;

/** A complete event record with its sortable id (for writers that put it inside a transaction); `at` defaults to `clock`'s now. */
export function newEventRecord(e: NewEvent, by: string, clock: Clock = systemClock): ClusterEvent {
  const at = e.at ?? clock.now();
  const id = `${String(at).padStart(13, '0')}-${by}-${String(++seq).padStart(6, '0')}`;
  return { ...e, id, at, by };
}

export class EventLog {
  private appended = 0;

  /** `clock` dates events that carry no `at`; the system clock by default. */
  constructor(private readonly etcd: Etcd3, private readonly keys: Keys, private readonly by: string, private readonly clock: Clock = systemClock) {}

  /** Writes one event; rejects if etcd refused (callers report and go on). */
  async append(e: NewEvent): Promise<ClusterEvent> {
    const event = newEventRecord(e, this.by, this.clock);
    await this.etcd.put(this.keys.event(event.id)).value(JSON.stringify(event)).exec();
    if (++this.appended % 50 === 0) await this.trim().catch(() => undefined);
    return event;
  }

  /** The newest `limit` events, oldest first, and the revision to watch from. */
  async recent(limit = 100): Promise<{ events: ClusterEvent[]; revision: string }> {
    const r = await this.etcd.getAll().prefix(this.keys.eventsPrefix).sort('Key', 'Descend').limit(limit).exec();
    const events = r.kvs.map(parseEvent).filter((e): e is ClusterEvent => e !== undefined).reverse();
    return { events, revision: r.header.revision };
  }

  /** Calls `onEvent` for each event written after `revision`. Returns a stop function. */
  async follow(revision: string, onEvent: (e: ClusterEvent) => void): Promise<() => Promise<void>> {
    const watcher: Watcher = await this.etcd.watch().prefix(this.keys.eventsPrefix).startRevision(String(BigInt(revision) + 1n)).create();
    watcher.on('put', (kv) => {
      const e = parseEvent(kv);
      if (e) onEvent(e);
    });
    return () => watcher.cancel();
  }

  /** Deletes all but the newest EVENT_HISTORY events. */
  async trim(): Promise<void> {
    const r = await this.etcd.getAll().prefix(this.keys.eventsPrefix).sort('Key', 'Descend').limit(EVENT_HISTORY + 1).keys();
    if (r.length <= EVENT_HISTORY) return;
    const oldestKept = r[EVENT_HISTORY - 1]!;
    await this.etcd.delete().range(new Range(this.keys.eventsPrefix, oldestKept)).exec();
  }
}

function parseEvent(kv: IKeyValue): ClusterEvent | undefined {
  try {
    const r = clusterEventSchema.safeParse(JSON.parse(kv.value.toString()));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/** One human line: `12:03:04.512  controller-elected  mail-1 became controller after a 3.1 s gap`. */
export function formatEvent(e: ClusterEvent): string {
  const t = new Date(e.at).toISOString().replace('T', ' ').replace('Z', '');
  return `${t}  ${e.type.padEnd(23)}  ${e.message}`;
}
