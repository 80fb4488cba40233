/**
 * Per-client limits for smtp-server instances (port 25, submission, internal LMTP), applied by
 * wrapping the server's handlers after it is created, so every listener gets the same rules:
 *
 * - `limitPerAddress`: at most `limit` sessions at once per client address (Postfix's
 *   `smtpd_client_connection_count_limit`); one more is answered
 *   `421 4.7.0 Too many connections from your address` and closed.
 * - `tarpit`: errors per session (refused MAIL FROM, RCPT TO — unknown recipients among them —
 *   and AUTH) are counted, as Postfix's smtpd_soft_error_limit / smtpd_error_sleep_time /
 *   smtpd_hard_error_limit: from the `softLimit`-th error on, every MAIL, RCPT and AUTH reply
 *   waits `sleepMs`; the `hardLimit`-th error is answered `421 4.7.0` and the session is closed.
 *
 * Addresses are `clientAddress` of the session's socket, the same key IMAP and POP3 use.
 */
import type { Socket } from 'node:net';
import type { SMTPServer, SMTPServerSession } from 'smtp-server';
import { clientAddress } from '../net/client-address.ts';
import { AddressConnectionCount, TOO_MANY_FROM_ADDRESS } from '../limits/address-count.ts';
import { smtpError } from './errors.ts';

type Callback = (err?: Error | null, ...rest: unknown[]) => void;
type Handler = (arg: unknown, session: SMTPServerSession, cb: Callback) => void;
interface Internals { connections: Set<{ session?: SMTPServerSession; _socket?: Socket }> }

/** The clientAddress of an smtp-server session (its connection's socket), or its normalised remoteAddress. */
export function smtpClientAddress(server: SMTPServer, session: SMTPServerSession): string {
  for (const c of (server as unknown as Internals).connections) if (c.session === session && c._socket) return clientAddress(c._socket);
  const a = session.remoteAddress;
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

/** Several servers (587 and 465) may share one count. */
export function limitPerAddress(servers: SMTPServer | SMTPServer[], limit: number, onRefused?: () => void): void {
  const count = new AddressConnectionCount(limit);
  const releases = new WeakMap<SMTPServerSession, () => void>();
  for (const server of Array.isArray(servers) ? servers : [servers]) countOn(server, count, releases, onRefused);
}

function countOn(server: SMTPServer, count: AddressConnectionCount, releases: WeakMap<SMTPServerSession, () => void>, onRefused?: () => void): void {
  const onConnect = server.onConnect.bind(server);
  const onClose = server.onClose.bind(server);
  server.onConnect = (session, cb) => {
    const release = count.acquire(smtpClientAddress(server, session));
    if (!release) {
      onRefused?.();
      return cb(smtpError(421, '4.7.0', TOO_MANY_FROM_ADDRESS));
    }
    releases.set(session, release);
    onConnect(session, cb);
  };
  server.onClose = (session, cb) => {
    releases.get(session)?.();
    releases.delete(session);
    onClose(session, cb);
  };
}

export interface TarpitOptions { sleepMs: number; softLimit: number; hardLimit: number }

export function tarpit(server: SMTPServer, o: TarpitOptions): void {
  const errors = new WeakMap<SMTPServerSession, number>();
  const s = server as unknown as Record<'onMailFrom' | 'onRcptTo' | 'onAuth', Handler>;
  for (const name of ['onMailFrom', 'onRcptTo', 'onAuth'] as const) {
    const original = s[name].bind(server);
    s[name] = (arg, session, cb) =>
      original(arg, session, (err, ...rest) => {
        const n = (errors.get(session) ?? 0) + (err ? 1 : 0);
        errors.set(session, n);
        if (err && n >= o.hardLimit) return cb(smtpError(421, '4.7.0', 'too many errors in this session; closing connection'));
        if (n >= o.softLimit && o.sleepMs > 0 && n > 0) setTimeout(() => cb(err, ...rest), o.sleepMs).unref();
        else cb(err, ...rest);
      });
  }
}
