/**
 * Message submission (RFC 6409): port 587 with STARTTLS required before AUTH, and port 465 with
 * implicit TLS (RFC 8314). AUTH PLAIN/LOGIN against the account directory is required; the
 * envelope sender must be the authenticated account (553 5.7.1 otherwise). Local recipients are
 * checked as on port 25; other domains are relayed. The message is fsynced into the spool
 * before 250, like inbound mail.
 */
import { SMTPServer, type SMTPServerOptions, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Logger } from '../../src/log/logger.ts';
import type { DirectoryCache } from '../../src/accounts/cache.ts';
import { parseAccount } from '../../src/util/account.ts';
import type { Envelope, Spool } from '../../src/queue/spool.ts';
import { spoolData } from './spool-data.ts';
import { serverTlsOptions, type TlsProvider } from '../tls.ts';
import { smtpError } from './errors.ts';
import { checkLocalRecipient } from './inbound.ts';
import { followTls } from './follow-tls.ts';
import { smtpClientAddress } from './client-limits.ts';
import { AuthRefused, type AuthPenalty } from '../limits/auth-penalty.ts';
import { accountOf } from '../../src/util/account.ts';
import type { GreetPause } from './greet-pause.ts';
import './greet-pause.ts';

export interface SubmissionOptions {
  hostname: string;
  directory: DirectoryCache;
  spool: Spool;
  /** Certificate, reloaded when the provider announces a new pair. */
  tls: TlsProvider;
  /** true: implicit TLS (465); false: STARTTLS (587). */
  implicitTls: boolean;
  maxMessageBytes: number;
  maxRecipients: number;
  /** Connections at once; more are answered 421 and closed. */
  maxConnections: number;
  log: Logger;
  onQueued: (env: Envelope) => void;
  /** The node's authentication penalties (AUTH from an address or for an account that failed often waits, then gets 454). */
  penalty?: AuthPenalty;
  /** Failed AUTH on one connection before `421 4.7.0` and close (default: unlimited). */
  maxAuthFailures?: number;
}

export function createSubmissionServer(o: SubmissionOptions): SMTPServer {
  const authFailures = new WeakMap<SMTPServerSession, number>();
  const check = (user: string, password: string, session: SMTPServerSession): Promise<string | undefined> => {
    const account = accountOf(user);
    if (!o.penalty || account === undefined) return o.directory.directory.authenticate(user, password);
    return o.penalty.check(smtpClientAddress(server, session), account, (hashing) => o.directory.directory.authenticate(account, password, hashing));
  };
  const server: SMTPServer = new SMTPServer(<SMTPServerOptions & GreetPause>{
    greetPauseMs: 0,
    maxClients: o.maxConnections,
    name: o.hostname,
    banner: 'mailcluster ESMTP submission',
    secure: o.implicitTls,
    ...serverTlsOptions(o.tls.pair()),
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: false,
    allowInsecureAuth: false,
    size: o.maxMessageBytes,
    logger: false,
    // No reverse DNS per connection: it stalls every session where DNS is slow or absent.
    disableReverseLookup: true,
    onAuth(auth, session, cb) {
      const failed = (reply: Error): void => {
        const n = (authFailures.get(session) ?? 0) + 1;
        authFailures.set(session, n);
        cb(n >= (o.maxAuthFailures ?? Infinity) ? smtpError(421, '4.7.0', 'too many failed authentication attempts; closing connection') : reply);
      };
      check(auth.username ?? '', auth.password ?? '', session).then(
        (user) => (user ? cb(null, { user }) : failed(smtpError(535, '5.7.8', 'authentication failed'))),
        (err: unknown) => {
          if (err instanceof AuthRefused) return failed(smtpError(454, '4.7.0', 'too many failed logins from your address or for this account; try again later'));
          o.log.warn({ err }, 'authentication check failed');
          cb(smtpError(454, '4.7.0', 'temporary authentication failure'));
        },
      );
    },
    onMailFrom(addr, session, cb) {
      let sender: string;
      try {
        sender = parseAccount(addr.address).address;
      } catch {
        return cb(smtpError(553, '5.7.1', 'sender address rejected: not owned by you'));
      }
      if (sender !== session.user) return cb(smtpError(553, '5.7.1', 'sender address rejected: not owned by you'));
      cb();
    },
    onRcptTo(addr, session, cb) {
      if (session.envelope.rcptTo.length >= o.maxRecipients) return cb(smtpError(452, '4.5.3', 'too many recipients'));
      let domain: string;
      try {
        domain = parseAccount(addr.address).domain;
      } catch {
        return cb(smtpError(501, '5.1.3', 'bad recipient address syntax'));
      }
      o.directory
        .hasDomain(domain)
        .then((local) => (local ? checkLocalRecipient(o.directory, addr) : undefined))
        .then(
          () => cb(),
          (err: unknown) => cb((err as { responseCode?: number }).responseCode ? (err as Error) : smtpError(451, '4.3.0', 'temporary failure, try again later')),
        );
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, cb) {
      spoolData(o, stream, session, { source: 'submission', protocol: 'ESMTPSA', authenticatedAs: String(session.user) }, cb);
    },
  });
  return followTls(o.tls, server);
}
