/**
 * Server-sent events for `/api/v1/events/stream` (the dashboard and `mailcluster watch`): the
 * newest `history` events first, then each new one as etcd's watch delivers it, as
 * `event: cluster` / `data: <json>` frames; a comment line every 15 s keeps proxies from timing
 * the stream out. Ends when the client goes away or the server closes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClusterEvent, EventLog } from '../../src/cluster/events.ts';

export const STREAM_HANDLED = Symbol('stream handled');

export async function streamEvents(events: EventLog, req: IncomingMessage, res: ServerResponse, history: number): Promise<typeof STREAM_HANDLED> {
  const { events: recent, revision } = await events.recent(Math.min(500, Math.max(0, history)) || 1);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  const send = (e: ClusterEvent): void => void res.write(`id: ${e.id}\nevent: cluster\ndata: ${JSON.stringify(e)}\n\n`);
  for (const e of history > 0 ? recent : []) send(e);
  res.write(': ready\n\n');
  const stop = await events.follow(revision, send);
  const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
  const end = (): void => {
    clearInterval(ping);
    void stop().catch(() => undefined);
  };
  req.on('close', end);
  res.on('close', end);
  return STREAM_HANDLED;
}
