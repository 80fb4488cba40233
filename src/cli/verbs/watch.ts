/**
 * `mailcluster watch [--json] [--history N]`: the cluster's event stream (controller lost /
 * elected with the measured gap, nodes joining and leaving, drains, moves, queue takeovers,
 * self-fencing), the recent history first. Human lines by default, JSON lines with --json.
 * Follows the stream until interrupted; if the node serving it goes away, reconnects to another
 * and prints the events it missed (each event once, by id).
 */
import { formatEvent, type ClusterEvent } from '../../cluster/events.ts';
import { AdminClient } from '../admin-client.ts';
import { clientConfig, type GlobalOptions } from '../context.ts';

export async function runWatch(opts: GlobalOptions & { json?: boolean; history?: number }): Promise<void> {
  const api = new AdminClient(clientConfig(opts));
  let history = Math.max(0, Number(opts.history ?? 20) || 0);
  const seen = new Set<string>();
  for (let failures = 0; ; ) {
    try {
      const res = await api.stream(`/events/stream?history=${history || 500}`);
      if (!res.ok || !res.body) throw new Error(`event stream refused (${res.status})`);
      failures = 0;
      let buffer = '';
      const decoder = new TextDecoder();
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          if (!data) continue;
          const e = JSON.parse(data.slice(6)) as ClusterEvent;
          // after a reconnect the replayed history overlaps what was shown: print each event once
          if (seen.has(e.id)) continue;
          seen.add(e.id);
          process.stdout.write(`${opts.json ? JSON.stringify(e) : formatEvent(e)}\n`);
        }
      }
      throw new Error('event stream ended');
    } catch (err) {
      if (++failures > 30) throw err;
      if (!opts.json) process.stderr.write(`watch: ${(err as Error).message}; reconnecting…\n`);
      history = 500;
      await new Promise((r) => setTimeout(r, Math.min(2000, 200 * failures)));
    }
  }
}
