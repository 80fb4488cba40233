/**
 * Inbound SMTP (port 25, RFC 5321), with smtp-server. Accepts mail only for existing accounts of
 * served domains: `550 5.1.1` for unknown users, `554 5.7.1` relay denied for other domains,
 * `501 5.1.3` for malformed addresses, `552` over the size limit. The message (with a Received
 * header) is fsynced into this node's spool before `250`; delivery happens after. STARTTLS (RFC
 * 3207) is offered in EHLO with the configured certificate, TLS 1.2 or newer; it stays optional,
 * as it must on a public MX, and AUTH is not offered here at all.
 */
import { SMTPServer, type SMTPServerOptions, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Logger } from '../../src/log/logger.ts';
import type { DirectoryCache } from '../../src/accounts/cache.ts';
import { AccountNameError, parseAccount } from '../../src/util/account.ts';
import type { Envelope, Spool } from '../../src/queue/spool.ts';
import { spoolData, type SpoolDataOptions } from './spool-data.ts';
import { smtpError } from './errors.ts';
import type { GreetPause } from './greet-pause.ts';
import './greet-pause.ts';
import { serverTlsOptions, type TlsProvider } from '../tls.ts';
import { followTls } from './follow-tls.ts';

export interface InboundOptions {
  hostname: string;
  /** Certificate for STARTTLS; without it STARTTLS is not offered (unit tests). */
  tls?: TlsProvider;
  directory: DirectoryCache;
  spool: Spool;
  maxMessageBytes: number;
  maxRecipients: number;
  greetPauseMs: number;
  /** Connections at once; more are answered 421 and closed. */
  maxConnections: number;
  log: Logger;
  /** Called after a message is durably queued (the 250 is on its way). */
  onQueued: (env: Envelope) => void;
  direct?: SpoolDataOptions['direct'];
  /** Called with the reply code of every refused recipient (metrics). */
  onRefused?: (code: number) => void;
}

/** Validates an RCPT TO address for local delivery; returns the normalised account. */
export async function checkLocalRecipient(directory: DirectoryCache, addr: SMTPServerAddress): Promise<string> {
  let account: string;
  try {
    account = parseAccount(addr.address).address;
  } catch (err) {
    if (err instanceof AccountNameError) throw smtpError(501, '5.1.3', 'bad recipient address syntax');
    throw err;
  }
  const domain = account.slice(account.indexOf('@') + 1);
  if (!(await directory.hasDomain(domain))) throw smtpError(554, '5.7.1', 'relay access denied');
  if (!(await directory.hasAccount(account))) throw smtpError(550, '5.1.1', 'no such user here');
  return account;
}

export function createInboundServer(o: InboundOptions): SMTPServer {
  return followTls(o.tls, new SMTPServer(<SMTPServerOptions & GreetPause>{
    greetPauseMs: o.greetPauseMs,
    name: o.hostname,
    banner: 'mailcluster ESMTP',
    authOptional: true,
    disabledCommands: o.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    ...(o.tls ? serverTlsOptions(o.tls.pair()) : {}),
    size: o.maxMessageBytes,
    logger: false,
    // No reverse DNS per connection: it stalls every session where DNS is slow or absent.
    disableReverseLookup: true,
    maxClients: o.maxConnections,
    onMailFrom(addr, _session, cb) {
      if (addr.address && !/^[^\s<>@]+@[^\s<>@]+$/.test(addr.address)) return cb(smtpError(501, '5.1.7', 'bad sender address syntax'));
      cb();
    },
    onRcptTo(addr, session, cb) {
      if (session.envelope.rcptTo.length >= o.maxRecipients) return cb(smtpError(452, '4.5.3', 'too many recipients'));
      checkLocalRecipient(o.directory, addr).then(
        () => cb(),
        (err: unknown) => {
          const code = (err as { responseCode?: number }).responseCode;
          if (code) {
            o.onRefused?.(code);
            return cb(err as Error);
          }
          o.log.warn({ err }, 'recipient check failed');
          cb(smtpError(451, '4.3.0', 'temporary failure, try again later'));
        },
      );
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, cb) {
      spoolData(o, stream, session, { source: 'inbound', protocol: session.transmissionType === 'SMTP' ? 'SMTP' : 'ESMTP' }, cb);
    },
  }));
}

