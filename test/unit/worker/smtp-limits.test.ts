/**
 * The port-25 listener's connection limit (smtp.maxConnections): connections past it are answered
 * `421` and closed, and a place freed by a client that left is usable again.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SMTPServer } from 'smtp-server';
import { createInboundServer } from '../../../worker/smtp/inbound.ts';
import { listen } from '../../../worker/lmtp/server.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import type { DirectoryCache } from '../../../src/accounts/cache.ts';
import type { Spool } from '../../../src/queue/spool.ts';

let server: SMTPServer;
let port = 0;
beforeAll(async () => {
  server = createInboundServer({
    hostname: 'mx.test', directory: {} as DirectoryCache, spool: {} as Spool, maxMessageBytes: 1 << 20, maxRecipients: 10,
    greetPauseMs: 0, maxConnections: 2, log: silentLogger, onQueued: () => undefined,
  });
  port = await listen(server, 0, '127.0.0.1');
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function greeting(): Promise<{ socket: Socket; line: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('data', (d: Buffer) => resolve({ socket, line: d.toString() }));
    socket.once('error', reject);
  });
}

describe('SMTP connection limit', () => {
  it('answers 421 past smtp.maxConnections and serves again once a client leaves', async () => {
    const a = await greeting();
    const b = await greeting();
    expect(a.line).toMatch(/^220 /);
    expect(b.line).toMatch(/^220 /);
    const c = await greeting();
    expect(c.line).toMatch(/^421 .*[Tt]oo many/);
    c.socket.destroy();
    a.socket.end('QUIT\r\n');
    await new Promise((r) => a.socket.once('close', r));
    await new Promise((r) => setTimeout(r, 50));
    const d = await greeting();
    expect(d.line).toMatch(/^220 /);
    for (const s of [b.socket, d.socket]) s.destroy();
  });
});
