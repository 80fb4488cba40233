/**
 * One POP3 client connection: bytes → LineReader → Pop3Session, one command at a time (pipelined
 * ones queue), replies written back. Handles the transport duties the protocol core leaves to its
 * io: STLS (switching the reader to the TLS socket), the autologout timer (RFC 1939 §3: at least
 * 10 minutes), the line limit, and handing the socket to the proxy after a login that routes to
 * another node (lines the client pipelined after its login go to the holder).
 */
import type { ProxyIdentity } from '../routing/backend.ts';
import { ReadThrottle } from '../limits/read-throttle.ts';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { Socket } from 'node:net';
import type { Logger } from '../../src/log/logger.ts';
import { LineReader, type LineEvent } from '../../src/protocol/pop3/reader.ts';
import { ok } from '../../src/protocol/pop3/response.ts';
import type { Pop3Route } from '../../src/protocol/pop3/hooks.ts';
import { Pop3Session, type Pop3SessionOptions } from '../../src/protocol/pop3/session.ts';
import { ProxyError } from '../routing/backend.ts';
import { spliceSessions, type Splice } from '../routing/splice.ts';
import { openPop3Backend, POP3_SPLICE } from './proxy.ts';

export interface Pop3Limits {
  /** Longest command line, CRLF included (RFC 2449 §4: 255). */
  maxLineLength: number;
  maxBadCommands: number;
  idleTimeoutMs: number;
}

export interface Pop3ConnectionOptions {
  session: Omit<Pop3SessionOptions, 'maxBadCommands' | 'maxLineLength'>;
  limits: Pop3Limits;
  /** The context for a STARTTLS/STLS upgrade, asked at the upgrade (certificates are reloaded). */
  secureContext?: () => SecureContext;
  /** For backend logins when proxying: this node's name and the cluster secret (none: cannot proxy). */
  peer?: ProxyIdentity;
  log: Logger;
  onProxied: (delta: 1 | -1) => void;
}

export class Pop3Connection {
  readonly session: Pop3Session;
  private socket: Socket;
  private reader: LineReader;
  private queue: LineEvent[] = [];
  private readonly throttle = new ReadThrottle();
  private working = false;
  private handedOff = false;
  private spliced: { account: string; splice: Splice } | undefined;
  private closed = false;
  private readonly onData = (chunk: Buffer): void => this.feed(chunk);

  constructor(socket: Socket, secure: boolean, private readonly o: Pop3ConnectionOptions, onClose: () => void) {
    this.socket = socket;
    this.reader = new LineReader(o.limits.maxLineLength);
    let isSecure = secure;
    this.session = new Pop3Session(
      {
        write: (data) => {
          if (!this.closed && !this.handedOff) this.socket.write(data);
        },
        get secure() { return isSecure; },
        startTls: o.secureContext && !secure ? () => this.startTls().then(() => void (isSecure = true)) : undefined,
        proxy: (route, account) => this.proxy(route, account),
        setMaxLine: (n) => void (this.reader.maxLineLength = n),
        close: () => this.end(),
        log: (level, fields, msg) => o.log[level](fields, msg),
      },
      { ...o.session, maxBadCommands: o.limits.maxBadCommands, maxLineLength: o.limits.maxLineLength },
    );
    socket.on('data', this.onData);
    socket.on('error', () => undefined);
    socket.once('close', () => {
      this.closed = true;
      this.session.dropped(); // a dropped connection never deletes
      onClose();
    });
    socket.setTimeout(o.limits.idleTimeoutMs);
    socket.on('timeout', () => {
      if (!this.handedOff) this.session.terminate('autologout: idle for too long');
    });
    socket.write(ok('mailcluster POP3 ready'));
  }

  get proxied(): boolean { return this.handedOff; }

  /** The account this connection is proxied for, with the splice that can end it (else undefined). */
  get proxiedFor(): { account: string; splice: Splice } | undefined { return this.spliced; }

  private feed(chunk: Buffer): void {
    this.queue.push(...this.reader.feed(chunk));
    this.throttle.afterQueue(this.socket, this.queue.length);
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.working) return;
    this.working = true;
    try {
      while (this.queue.length && !this.closed && !this.handedOff) {
        if (!(await this.throttle.beforeCommand(this.socket, this.queue.length))) return;
        if (this.closed || this.handedOff || !this.queue.length) break;
        const ev = this.queue.shift()!;
        if (ev.kind === 'line') await this.session.handle(ev.line);
        else this.session.lineTooLong(this.reader.maxLineLength);
      }
      if (!this.handedOff) this.throttle.idle(this.socket);
    } finally {
      this.working = false;
    }
  }

  private startTls(): Promise<void> {
    const plain = this.socket;
    plain.off('data', this.onData);
    this.throttle.release();
    this.queue = []; // RFC 2595 §4: nothing pipelined before the handshake is honoured
    this.reader = new LineReader(this.o.limits.maxLineLength);
    const tls = new TLSSocket(plain, { isServer: true, secureContext: this.o.secureContext!() });
    this.socket = tls;
    tls.on('data', this.onData);
    tls.on('error', () => plain.destroy());
    return new Promise((resolve, reject) => {
      tls.once('secure', () => resolve());
      tls.once('error', reject);
    });
  }

  private async proxy(route: Extract<Pop3Route, { kind: 'proxy' }>, account: string): Promise<void> {
    const peer = this.o.peer;
    if (!peer) throw Object.assign(new Error('this server does not proxy sessions'), { code: 'NOT_SERVING' });
    let backend;
    try {
      backend = await openPop3Backend(route, { account, identity: peer });
    } catch (err) {
      if (err instanceof ProxyError) {
        this.o.log.warn({ account, holder: `${route.host}:${route.port}`, reason: err.message }, 'pop3 proxy login failed');
        throw Object.assign(new Error('the server holding this mailbox is not reachable now; please retry'), { code: 'HOLDER_UNREACHABLE' });
      }
      throw err;
    }
    if (this.closed) {
      backend.socket.destroy();
      return;
    }
    this.handedOff = true;
    this.socket.off('data', this.onData);
    this.throttle.release(); // the splice reads it from here on
    this.socket.setTimeout(0);
    const pending = Buffer.concat([...this.queue.flatMap((ev) => (ev.kind === 'line' ? [ev.line, CRLF] : [])), this.reader.buffered()]);
    this.queue = [];
    this.session.handedOff();
    this.o.onProxied(1);
    this.o.log.info({ account, holder: `${route.host}:${route.port}` }, 'pop3 session proxied');
    this.spliced = { account, splice: spliceSessions(this.socket, backend.socket, backend.reply, pending, POP3_SPLICE, () => this.o.onProxied(-1)) };
  }

  private end(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }
}

const CRLF = Buffer.from('\r\n');
