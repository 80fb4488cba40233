/** `mailcluster queue list|show <node>|flush <node>`: the spools on the shared root. */
import type { Command } from 'commander';
import { flushResultSchema, queueListSchema, queueShowSchema } from '../../cluster/admin-api.ts';
import { AdminClient } from '../admin-client.ts';
import { clientConfig, type GlobalOptions } from '../context.ts';
import { duration } from './status.ts';
import { example } from '../help.ts';

type Guard = <A extends unknown[]>(fn: (...a: A) => Promise<void>) => (...a: A) => Promise<void>;
const out = (s: string): void => void process.stdout.write(`${s}\n`);
const age = (ms: number): string => duration(Math.max(0, Math.round((Date.now() - ms) / 1000)));

export function registerQueueVerbs(program: Command, global: () => GlobalOptions, guarded: Guard): void {
  const queue = example(program.command('queue').description('mail waiting in the nodes\' spools'), 'queue list', 'queue show mail-1');
  example(queue
    .command('list')
    .description('each spool: messages, bytes, the oldest message\'s age')
    .option('--json', 'JSON output'), 'queue list', 'queue list --json')
    .action(guarded(async (o: { json?: boolean }) => {
      const list = (await new AdminClient(clientConfig(global())).get('/queues', queueListSchema));
      if (o.json) return out(JSON.stringify(list));
      if (!list.some((q) => q.messages > 0)) out('all queues are empty');
      for (const q of list) out(`${q.spoolOf}\t${q.messages} messages\t${q.bytes} bytes${q.oldest ? `\toldest ${age(q.oldest)}` : ''}${q.unreadable ? `\t${q.unreadable} unreadable` : ''}`);
    }));
  example(queue
    .command('show <node>')
    .description('each message waiting in that node\'s spool, with its recipients and last error')
    .option('--json', 'JSON output'), 'queue show mail-1', 'queue show mail-1 --json')
    .action(guarded(async (node: string, o: { json?: boolean }) => {
      const list = (await new AdminClient(clientConfig(global())).get(`/queues/${encodeURIComponent(node)}`, queueShowSchema));
      if (o.json) return out(JSON.stringify(list));
      if (!list.length) out(`the queue of ${node} is empty`);
      for (const e of list) {
        out(`${e.id}  ${age(e.received)} old  <${e.from}>  ${e.size} bytes  attempts ${e.attempts}  next ${new Date(e.nextAttempt).toISOString()}`);
        for (const r of e.recipients) out(`    ${r.state.padEnd(9)} ${r.address}${r.lastError ? `  (${r.lastError})` : ''}`);
      }
    }));
  example(queue
    .command('flush <node>')
    .description('retry now every message waiting in that node\'s spool'), 'queue flush mail-1')
    .action(guarded(async (node: string) => {
      const r = (await new AdminClient(clientConfig(global())).post(`/queues/${encodeURIComponent(node)}/flush`, flushResultSchema));
      out(`${r.node} retries ${r.queued} messages now`);
    }));
}
