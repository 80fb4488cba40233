/**
 * One client connection: bytes → CommandReader → ImapSession, one command at a time, responses
 * written back. Handles the transport duties the protocol core leaves to its io: STARTTLS
 * (switching the reader to the TLS socket), the idle timeout (none while in IDLE), literal and
 * line limits from the reader, and handing the socket to the proxy after a login that routes
 * to another node (commands the client pipelined after LOGIN go to the holder).
 */
import { PIPELINE_LIMITS, ReadThrottle } from '../limits/read-throttle.ts';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { Socket } from 'node:net';
import type { Logger } from '../../src/log/logger.ts';
import { CommandReader, type RawCommand, type ReaderEvent } from '../../src/protocol/imap/reader.ts';
import { continuation, taggedResponse, untaggedStatus } from '../../src/protocol/imap/response.ts';
import type { LoginRoute } from '../../src/protocol/imap/server/hooks.ts';
import { ImapSession, type SessionOptions } from '../../src/protocol/imap/server/session.ts';
import { openBackend, splice, ProxyError } from './proxy.ts';
import type { ProxyIdentity } from '../routing/backend.ts';
import type { Splice } from '../routing/splice.ts';

export interface ConnectionLimits { maxLineLength: number; maxLiteralSize: number; maxBadCommands: number; idleTimeoutMs: number }

export interface ConnectionOptions {
  session: Omit<SessionOptions, 'maxBadCommands'>;
  limits: ConnectionLimits;
  /** The context for a STARTTLS/STLS upgrade, asked at the upgrade (certificates are reloaded). */
  secureContext?: () => SecureContext;
  /** For backend logins when proxying: this node's name and the cluster secret (none: cannot proxy). */
  peer?: ProxyIdentity;
  log: Logger;
  onProxied: (delta: 1 | -1) => void;
}

function rawBytes(raw: RawCommand): Buffer {
  const parts: Buffer[] = [];
  raw.lines.forEach((line, i) => {
    parts.push(line, Buffer.from('\r\n'));
    const lit = raw.literals[i];
    if (lit) parts.push(lit);
  });
  return Buffer.concat(parts);
}

export class ImapConnection {
  readonly session: ImapSession;
  private socket: Socket;
  private reader: CommandReader;
  private queue: RawCommand[] = [];
  /** Received bytes not framed yet because the queue was full (see frame()). */
  private held: Buffer | undefined;
  private readonly throttle = new ReadThrottle();
  private working = false;
  private handedOff = false;
  private spliced: { account: string; splice: Splice } | undefined;
  private closed = false;
  private corked = false;
  private readonly onData = (chunk: Buffer): void => this.feed(chunk);

  constructor(socket: Socket, secure: boolean, private readonly o: ConnectionOptions, onClose: () => void) {
    this.socket = socket;
    this.reader = this.newReader();
    let isSecure = secure;
    this.session = new ImapSession(
      {
        write: (data) => {
          if (!this.closed && !this.handedOff) this.write(data);
        },
        get secure() { return isSecure; },
        startTls: o.secureContext && !secure ? () => this.startTls().then(() => void (isSecure = true)) : undefined,
        proxy: (route, tag, account) => this.proxy(route, tag, account),
        close: () => this.end(),
        log: (level, fields, msg) => o.log[level](fields, msg),
      },
      { ...o.session, maxBadCommands: o.limits.maxBadCommands, maxMessageSize: o.limits.maxLiteralSize },
    );
    socket.on('data', this.onData);
    socket.on('error', () => undefined);
    socket.once('close', () => {
      this.closed = true;
      this.session.logout(); // closes the session's account, if it opened one
      onClose();
    });
    socket.setTimeout(o.limits.idleTimeoutMs);
    socket.on('timeout', () => {
      if (!this.session.idling && !this.handedOff) this.session.bye('autologout: idle for too long');
    });
    socket.write(this.session.greeting());
  }

  /**
   * Writes made in one tick (a command's untagged data, its literals and its tagged reply) leave
   * in one writev instead of a syscall each. Uncorked at the end of the tick, so nothing waits on
   * a later event: IDLE's continuation and the updates it pushes go out at once.
   */
  private write(data: Buffer): void {
    if (!this.corked) {
      this.corked = true;
      const socket = this.socket;
      socket.cork();
      process.nextTick(() => {
        this.corked = false;
        socket.uncork();
      });
    }
    this.socket.write(data);
  }

  private newReader(): CommandReader {
    return new CommandReader({ maxLineLength: this.o.limits.maxLineLength, maxLiteralSize: this.o.limits.maxLiteralSize });
  }

  private feed(chunk: Buffer): void {
    this.frame(chunk);
    void this.drain();
  }

  /**
   * Frames commands from `chunk` until PIPELINE_LIMITS.maxQueuedCommands wait; the rest of the
   * chunk is held unparsed (and the socket paused) until the queue has room again, so a client
   * that pipelines faster than it reads costs at most one chunk plus the queue.
   */
  private frame(chunk: Buffer): void {
    const room = Math.max(1, PIPELINE_LIMITS.maxQueuedCommands - this.queue.length);
    const { events, consumed } = this.reader.feedSome(chunk, room);
    this.held = consumed < chunk.length ? chunk.subarray(consumed) : undefined;
    for (const ev of events) {
      if (ev.kind === 'command') this.queue.push(ev.command);
      else if (ev.kind === 'continue') this.socket.write(continuation('go ahead'));
      else {
        const tag = ev.error.tag;
        const text = ev.error.code === 'LITERAL_TOO_BIG' ? `literal too big (at most ${this.o.limits.maxLiteralSize} bytes)` : ev.error.message;
        this.socket.write(tag ? taggedResponse(tag, ev.error.code === 'LITERAL_TOO_BIG' ? 'NO' : 'BAD', text, ev.error.code === 'LITERAL_TOO_BIG' ? { code: 'TOOBIG' } : undefined) : untaggedStatus('BAD', text));
        if (ev.error.code !== 'LITERAL_TOO_BIG') this.session.countBad(); // endless overlong lines end the session too
      }
    }
    this.throttle.afterQueue(this.socket, this.backlog);
  }

  /** Commands waiting, counting held unparsed input as a full queue (the socket stays paused). */
  private get backlog(): number {
    return this.held ? PIPELINE_LIMITS.maxQueuedCommands : this.queue.length;
  }

  private async drain(): Promise<void> {
    if (this.working) return;
    this.working = true;
    try {
      while ((this.queue.length || this.held) && !this.closed && !this.handedOff) {
        if (this.held && this.queue.length <= PIPELINE_LIMITS.maxQueuedCommands / 2) this.frame(this.held);
        if (!this.queue.length) continue;
        const ready = this.throttle.beforeCommand(this.socket, this.backlog);
        if (!(ready === true || (ready !== false && (await ready)))) return;
        if (this.closed || this.handedOff || !this.queue.length) break;
        await this.session.handle(this.queue.shift()!);
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
    this.queue = []; // RFC 3501 §6.2.1: nothing pipelined after STARTTLS is honoured
    this.held = undefined;
    this.reader = this.newReader();
    const tls = new TLSSocket(plain, { isServer: true, secureContext: this.o.secureContext!() });
    this.socket = tls;
    tls.on('data', this.onData);
    tls.on('error', () => plain.destroy());
    return new Promise((resolve, reject) => {
      tls.once('secure', () => resolve());
      tls.once('error', reject);
    });
  }

  private async proxy(route: Extract<LoginRoute, { kind: 'proxy' }>, tag: string, account: string): Promise<void> {
    const peer = this.o.peer;
    if (!peer) throw Object.assign(new Error('this server does not proxy sessions'), { code: 'NOT_SERVING' });
    let backend;
    try {
      backend = await openBackend(route, { tag, account, identity: peer });
    } catch (err) {
      if (err instanceof ProxyError) {
        this.o.log.warn({ account, holder: `${route.host}:${route.port}`, reason: err.message }, 'imap proxy login failed');
        throw Object.assign(new Error('the server holding this mailbox is not reachable now; please retry'), { code: 'HOLDER_UNREACHABLE' });
      }
      throw err;
    }
    this.handedOff = true;
    this.socket.off('data', this.onData);
    this.throttle.release(); // the splice reads it from here on
    this.socket.setTimeout(0);
    const pending = Buffer.concat([...this.queue.map(rawBytes), ...(this.held ? [this.held] : [])]);
    this.queue = [];
    this.held = undefined;
    this.session.release();
    this.o.onProxied(1);
    this.o.log.info({ account, holder: `${route.host}:${route.port}` }, 'imap session proxied');
    this.spliced = { account, splice: splice(this.socket, backend.socket, backend.reply, pending, () => this.o.onProxied(-1)) };
  }

  get proxied(): boolean { return this.handedOff; }

  /** The account this connection is proxied for, with the splice that can end it (else undefined). */
  get proxiedFor(): { account: string; splice: Splice } | undefined { return this.spliced; }

  private end(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }
}
