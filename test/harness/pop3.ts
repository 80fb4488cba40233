/**
 * POP3 for tests: a single server over a MailStore (real TCP on port 0, users in a map, every
 * session local) and Pop3Client, a tiny transcript client (a socket with line reading) used by
 * the protocol and cluster tests — there is no POP3 client library among the dependencies.
 */
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { generate } from 'selfsigned';
import type { Pop3Route } from '../../src/protocol/pop3/hooks.ts';
import type { MailStore } from '../../src/storage/types.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { Pop3Server } from '../../worker/pop3/server.ts';
import { StorePop3Hooks } from '../../worker/pop3/store-hooks.ts';
import type { Pop3Limits } from '../../worker/pop3/connection.ts';

export interface StartPop3Options {
  allowPlaintextAuth?: boolean;
  limits?: Partial<Pop3Limits>;
  routeLogin?: (account: string) => Promise<Pop3Route>;
  maxConnections?: number;
}

export async function startPop3(store: MailStore, users: Record<string, string>, opts: StartPop3Options = {}) {
  const hooks = new StorePop3Hooks({ store, checkPassword: async (a, p) => users[a] === p, ...(opts.routeLogin ? { routeLogin: opts.routeLogin } : {}) });
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', curve: 'P-256' });
  const server = new Pop3Server({
    hooks,
    tls: { key: pems.private, cert: pems.cert },
    allowPlaintextAuth: opts.allowPlaintextAuth ?? true,
    limits: { maxBadCommands: 5, ...opts.limits },
    log: silentLogger,
    ...(opts.maxConnections ? { maxConnections: opts.maxConnections } : {}),
  });
  const port = await server.listen(0, '127.0.0.1');
  const tlsPort = await server.listen(0, '127.0.0.1', true);
  return { server, hooks, port, tlsPort };
}

/** A transcript client: `cmd` for single-line replies, `multi` for multi-line ones. */
export class Pop3Client {
  private buf = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  private ended = false;
  /** Resolves when the server closes the connection. */
  readonly closed: Promise<void>;

  constructor(private socket: Socket) {
    this.closed = this.attach(socket);
  }

  private attach(socket: Socket): Promise<void> {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('error', () => undefined);
    return new Promise<void>((resolve) =>
      socket.once('close', () => {
        this.ended = true;
        for (const w of this.waiters.splice(0)) w();
        resolve();
      }),
    );
  }

  /** Connects and reads the greeting (returned). */
  static async open(port: number, opts: { tls?: boolean } = {}): Promise<{ client: Pop3Client; greeting: string }> {
    const s: Socket = opts.tls ? tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false }) : connect(port, '127.0.0.1');
    await new Promise<void>((r, j) => s.once(opts.tls ? 'secureConnect' : 'connect', () => r()).once('error', j));
    const client = new Pop3Client(s);
    return { client, greeting: await client.line() };
  }

  /** Waits until `n` bytes are a complete reply (or the connection ended); returns and consumes them. */
  private async take(complete: (b: Buffer) => number, timeoutMs: number): Promise<string> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const n = complete(this.buf);
      if (n > 0) {
        const out = this.buf.subarray(0, n).toString('latin1');
        this.buf = this.buf.subarray(n);
        return out;
      }
      if (this.ended) throw new Error(`connection closed; got ${JSON.stringify(this.buf.toString('latin1'))}`);
      if (Date.now() > until) throw new Error(`timed out; got ${JSON.stringify(this.buf.toString('latin1').slice(0, 500))}`);
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 50); });
    }
  }

  /** One reply line, CRLF included. */
  line(timeoutMs = 5000): Promise<string> {
    return this.take((b) => b.indexOf('\r\n') + (b.indexOf('\r\n') >= 0 ? 2 : 0), timeoutMs);
  }

  /** A multi-line reply up to and including CRLF.CRLF, or a single `-ERR` line. */
  multiline(timeoutMs = 5000): Promise<string> {
    return this.take((b) => {
      if (b.subarray(0, 4).toString() === '-ERR') return b.indexOf('\r\n') >= 0 ? b.indexOf('\r\n') + 2 : 0;
      const end = b.indexOf('\r\n.\r\n');
      return end >= 0 ? end + 5 : 0;
    }, timeoutMs);
  }

  send(text: string | Buffer): void { this.socket.write(text); }

  async cmd(text: string): Promise<string> {
    this.send(`${text}\r\n`);
    return this.line();
  }

  async multi(text: string): Promise<string> {
    this.send(`${text}\r\n`);
    return this.multiline();
  }

  /** USER/PASS login; returns the reply to PASS. */
  async login(user: string, password: string): Promise<string> {
    const u = await this.cmd(`USER ${user}`);
    if (!u.startsWith('+OK')) return u;
    return this.cmd(`PASS ${password}`);
  }

  /** After `+OK` to STLS: the TLS handshake on the same socket. */
  async startTls(): Promise<void> {
    const tls = tlsConnect({ socket: this.socket, rejectUnauthorized: false });
    await new Promise<void>((r, j) => tls.once('secureConnect', () => r()).once('error', j));
    this.socket = tls;
    this.buf = Buffer.alloc(0);
    void this.attach(tls);
  }

  close(): void { this.socket.destroy(); }
}

/** RETR/TOP payload of a multi-line reply: without the status line and terminator, un-stuffed. */
export function payload(reply: string): string {
  const body = reply.slice(reply.indexOf('\r\n') + 2, reply.length - 3);
  return body.split('\r\n').map((l) => (l.startsWith('..') ? l.slice(1) : l)).join('\r\n');
}
