/**
 * A single IMAP server over a MailStore (memory or maildir) for protocol tests: real TCP on
 * port 0, users in a map, every session local. `raw()` gives a transcript client that sends exact
 * bytes and reads until a tagged reply.
 */
import { connect, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';
import { generate } from 'selfsigned';
import type { LoginRoute } from '../../src/protocol/imap/server/hooks.ts';
import type { MailStore } from '../../src/storage/types.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { ImapServer } from '../../worker/imap/server.ts';
import { StoreImapHooks } from '../../worker/imap/store-hooks.ts';

/** The single-server hooks with a fixed user map and a quota the test can change. */
export class StoreHooks extends StoreImapHooks {
  quotaBytes = 0;
  constructor(store: MailStore, users: Record<string, string>, routeLogin?: (account: string) => Promise<LoginRoute>) {
    super({ store, checkPassword: async (a, p) => users[a] === p, quotaLimitBytes: async () => this.quotaBytes, ...(routeLogin ? { routeLogin } : {}) });
  }
}

export interface StartImapOptions {
  allowPlaintextAuth?: boolean;
  maxLiteralSize?: number;
  maxLineLength?: number;
  idleTimeoutMs?: number;
  routeLogin?: (account: string) => Promise<LoginRoute>;
}

export async function startImap(store: MailStore, users: Record<string, string>, opts: StartImapOptions = {}) {
  const hooks = new StoreHooks(store, users, opts.routeLogin);
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', curve: 'P-256' });
  const server = new ImapServer({
    hooks,
    tls: { key: pems.private, cert: pems.cert },
    allowPlaintextAuth: opts.allowPlaintextAuth ?? true,
    limits: { maxLineLength: opts.maxLineLength ?? 8192, maxLiteralSize: opts.maxLiteralSize ?? 1024 * 1024, maxBadCommands: 5, ...(opts.idleTimeoutMs ? { idleTimeoutMs: opts.idleTimeoutMs } : {}) },
    log: silentLogger,
  });
  const port = await server.listen(0, '127.0.0.1');
  const tlsPort = await server.listen(0, '127.0.0.1', true);
  return { server, hooks, port, tlsPort };
}

/** A transcript client: `send` exact bytes; `until(tag)` reads everything up to that tag's reply. */
export class RawImap {
  private buf = '';
  private waiters: Array<() => void> = [];
  constructor(readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.buf += d;
      for (const w of this.waiters.splice(0)) w();
    });
  }
  static async open(port: number): Promise<RawImap> {
    const s = connect(port, '127.0.0.1');
    await new Promise<void>((r, j) => s.once('connect', r).once('error', j));
    const c = new RawImap(s);
    await c.read((b) => b.includes('\r\n'));
    return c;
  }
  /** Over TLS (an internal port: `options` carries the client certificate and ALPN); rejects when the handshake fails. */
  static async openTls(port: number, options: ConnectionOptions): Promise<RawImap> {
    const s = connectTls({ ...options, port, host: '127.0.0.1' });
    await new Promise<void>((r, j) => s.once('secureConnect', r).once('error', j));
    const c = new RawImap(s);
    await c.read((b) => b.includes('\r\n'));
    return c;
  }
  send(text: string): void { this.socket.write(text); }
  /** Waits until the buffer satisfies `done`, returns and clears it. */
  async read(done: (b: string) => boolean, timeoutMs = 5000): Promise<string> {
    const until = Date.now() + timeoutMs;
    while (!done(this.buf)) {
      if (Date.now() > until) throw new Error(`timed out; got ${JSON.stringify(this.buf)}`);
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 50); });
    }
    const out = this.buf;
    this.buf = '';
    return out;
  }
  until(tag: string): Promise<string> {
    return this.read((b) => new RegExp(`(^|\\r\\n)${tag} (OK|NO|BAD)[^\\r]*\\r\\n$`).test(b));
  }
  async cmd(tag: string, text: string): Promise<string> {
    this.send(`${tag} ${text}\r\n`);
    return this.until(tag);
  }
  close(): void { this.socket.destroy(); }
}
