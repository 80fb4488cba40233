/**
 * Port 25's direct path (spool-data.ts): the message goes to the holders before 250 under its
 * queue id; recipients the direct attempt could not settle are spooled with that attempt counted,
 * so the queue's first try is a retry and a copy the holder stored before its reply was lost is
 * not stored twice (QueuedDelivery).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SMTPServer } from 'smtp-server';
import { createInboundServer } from '../../../worker/smtp/inbound.ts';
import { listen } from '../../../worker/lmtp/server.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import type { DirectoryCache } from '../../../src/accounts/cache.ts';
import { Spool, type Envelope } from '../../../src/queue/spool.ts';

const dir = mkdtempSync(join(tmpdir(), 'mailcluster-direct-'));
const spool = new Spool(dir, 'mail-0');
const queued: Envelope[] = [];
const attempts: Array<{ rcpts: string[]; queueId: string }> = [];
let pendingOf: (rcpts: string[]) => string[] = () => [];
let server: SMTPServer;
let port = 0;

beforeAll(async () => {
  await spool.init();
  server = createInboundServer({
    hostname: 'mx.test',
    directory: { hasDomain: async () => true, hasAccount: async () => true } as unknown as DirectoryCache,
    spool,
    maxMessageBytes: 1 << 20,
    maxRecipients: 10,
    greetPauseMs: 0,
    maxConnections: 10,
    log: silentLogger,
    onQueued: (env) => queued.push(env),
    direct: {
      eligible: () => true,
      deliver: async (_from, rcpts, _message, queueId) => {
        attempts.push({ rcpts, queueId });
        return { pending: pendingOf(rcpts) };
      },
    },
  });
  port = await listen(server, 0, '127.0.0.1');
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

const send = (to: string[]) =>
  createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true }).sendMail({ from: 'a@remote.test', to, subject: 'x', text: 'hello' });

describe('direct delivery on port 25', () => {
  it('delivers under the queue id it answers with, and spools nothing when every recipient is stored', async () => {
    pendingOf = () => [];
    const info = await send(['a@example.test']);
    const id = attempts.at(-1)!.queueId;
    expect(id).toMatch(/^[0-9A-Za-z]+$/);
    expect(info.response).toBe(`250 2.0.0 Ok: delivered as ${id}`);
    expect(queued).toEqual([]);
  });

  it('spools the unsettled recipients under the same id, as already attempted once', async () => {
    pendingOf = (rcpts) => rcpts.filter((r) => r.startsWith('b@'));
    const info = await send(['a@example.test', 'b@example.test']);
    const id = attempts.at(-1)!.queueId;
    expect(info.response).toBe(`250 2.0.0 Ok: queued as ${id}`);
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ id, attempts: 1, recipients: [{ address: 'b@example.test', state: 'pending' }] });
  });
});
