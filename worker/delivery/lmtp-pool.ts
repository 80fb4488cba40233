/**
 * Pooled LMTP connections to one holder, on nodemailer's SMTP/LMTP connection (its protocol
 * engine: LHLO, AUTH, PIPELINING, one reply per recipient after DATA) without its mailer layer,
 * which composes and re-parses every raw message and cost three times the CPU per hand-over.
 *
 * Contract:
 * - `send` resolves with nodemailer's send result (`accepted`, `rejectedErrors`) or rejects with its
 *   error (`responseCode`/`response` for an SMTP answer, `code` for a connection failure), as
 *   transport.sendMail does, so callers map outcomes the same way.
 * - At most `maxConnections` connections; further sends wait for a free one. Each new connection
 *   logs in with fresh one-time peer credentials (`credentials()`).
 * - A connection that failed in any way is closed, never reused. A send that fails on a reused
 *   connection without a reply (the holder closed it while idle, or went away mid-send) is retried
 *   once on a new one, as a retry of `queued` (ENVID `<id>.retry`): if the holder stored the
 *   message before the connection broke, it does not store it twice. A send that timed out is not
 *   retried: a holder that stopped answering would only stall the retry too.
 * - Connections idle for `idleMs` are closed (below smtp-server's own idle timeout).
 */
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { ConnectionOptions } from 'node:tls';
import type { QueuedDelivery } from './local.ts';
import { encodeEnvid } from '../lmtp/envid.ts';

export interface LmtpPoolOptions {
  host: string;
  port: number;
  /** Our name in LHLO. */
  name: string;
  credentials: () => { user: string; pass: string };
  /** Implicit TLS to the holder with these options (NodeTls.clientOptions: our certificate, theirs checked); absent = plain TCP. */
  tls?: ConnectionOptions;
  maxConnections?: number;
  /** Connecting and the greeting (default 3 s). */
  timeoutMs?: number;
  /**
   * Silence from the holder once a transaction is under way (default 10 s): a stalled holder (paused,
   * its disk hung) fails the send after this long, and a direct-path client waiting for its 250 gets
   * the message spooled instead, not half a minute later.
   */
  replyTimeoutMs?: number;
  idleMs?: number;
}

export interface LmtpResult { accepted: string[]; rejectedErrors?: Array<{ recipient: string; response: string; responseCode: number }> }

interface Pooled { conn: SMTPConnection; idleTimer?: NodeJS.Timeout; broken: boolean }

export class LmtpPool {
  private readonly idle: Pooled[] = [];
  private readonly waiters: Array<(p: Pooled | Error) => void> = [];
  private open = 0;
  private closed = false;

  constructor(private readonly o: LmtpPoolOptions) {}

  /**
   * `queued`: the queue id the holder stores the message under, sent as the ENVID of MAIL FROM (the
   * holder's LMTP advertises DSN). Without one, a send is never retried here: a second copy could
   * not be told from the first.
   */
  async send(from: string, to: string[], message: Buffer, queued?: QueuedDelivery): Promise<LmtpResult> {
    const reused = this.idle.length > 0;
    const p = await this.acquire();
    try {
      return await this.sendOn(p, from, to, message, queued && encodeEnvid(queued));
    } catch (err) {
      const e = err as { responseCode?: number; code?: string };
      if (!reused || !queued || e.responseCode || e.code === 'EMESSAGE' || e.code === 'ETIMEDOUT') throw err;
      const fresh = await this.acquire(true);
      return this.sendOn(fresh, from, to, message, encodeEnvid({ ...queued, retry: true }));
    }
  }

  /** Closes every connection; sends waiting for one are rejected. */
  close(): void {
    this.closed = true;
    for (const p of this.idle.splice(0)) this.discard(p);
    for (const w of this.waiters.splice(0)) w(new Error('LMTP pool closed'));
  }

  private sendOn(p: Pooled, from: string, to: string[], message: Buffer, envid: string | undefined): Promise<LmtpResult> {
    const envelope = envid ? { from, to, dsn: { envid } } : { from, to };
    return new Promise((resolve, reject) => {
      p.conn.send(envelope as SMTPConnection.Envelope, message, (err, info) => {
        if (err) {
          this.discard(p);
          reject(err);
        } else {
          this.release(p);
          resolve(info as unknown as LmtpResult);
        }
      });
    });
  }

  private acquire(fresh = false): Promise<Pooled> {
    if (this.closed) return Promise.reject(new Error('LMTP pool closed'));
    if (!fresh) {
      const p = this.idle.pop();
      if (p) {
        clearTimeout(p.idleTimer);
        return Promise.resolve(p);
      }
    }
    if (fresh || this.open < (this.o.maxConnections ?? 8)) return this.connect();
    return new Promise((resolve, reject) => this.waiters.push((p) => (p instanceof Error ? reject(p) : resolve(p))));
  }

  private connect(): Promise<Pooled> {
    const timeout = this.o.timeoutMs ?? 3000;
    const conn = new SMTPConnection({
      host: this.o.host,
      port: this.o.port,
      lmtp: true,
      name: this.o.name,
      ...(this.o.tls ? { secure: true, tls: this.o.tls } : { ignoreTLS: true }),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: this.o.replyTimeoutMs ?? 10_000,
    });
    this.open++;
    const p: Pooled = { conn, broken: false };
    return new Promise((resolve, reject) => {
      const fail = (err: Error): void => {
        this.discard(p);
        reject(err);
      };
      conn.once('error', fail);
      conn.connect(() => {
        const { user, pass } = this.o.credentials();
        conn.login({ credentials: { user, pass }, method: 'PLAIN' } as SMTPConnection.AuthenticationCredentials, (err) => {
          // A refused peer login is never the recipient's fault (a holder that just registered again,
          // clock skew, a secret being rotated): temporary, so the message waits in the spool, never bounces.
          if (err) return fail(Object.assign(new Error(`peer login refused: ${err.message}`), { code: 'EAUTH' }));
          conn.off('error', fail);
          // later failures (idle close by the holder, reset) only retire the connection
          conn.on('error', () => this.discard(p));
          conn.once('end', () => this.discard(p));
          resolve(p);
        });
      });
    });
  }

  private release(p: Pooled): void {
    if (p.broken) return;
    const waiter = this.waiters.shift();
    if (waiter) return waiter(p);
    if (this.closed) return this.discard(p);
    p.idleTimer = setTimeout(() => {
      const i = this.idle.indexOf(p);
      if (i >= 0) this.idle.splice(i, 1);
      this.discard(p);
    }, this.o.idleMs ?? 20_000);
    p.idleTimer.unref();
    this.idle.push(p);
  }

  /** Retires a connection for good; a waiter then gets a new one in its place. */
  private discard(p: Pooled): void {
    if (p.broken) return;
    p.broken = true;
    this.open--;
    clearTimeout(p.idleTimer);
    const i = this.idle.indexOf(p);
    if (i >= 0) this.idle.splice(i, 1);
    try {
      p.conn.quit();
    } catch {
      p.conn.close();
    }
    const waiter = this.waiters.shift();
    if (waiter && !this.closed) this.connect().then(waiter, waiter);
  }
}
