/**
 * The internal LMTP listener (RFC 2033): how other nodes hand a message to this node for the
 * accounts it holds. Only cluster peers may use it: implicit TLS with a client certificate of the
 * cluster CA (a process without one cannot finish the handshake), then AUTH PLAIN with a one-time
 * credential that the node named by that certificate issued (peer-auth.ts). A recipient this
 * node does not hold right now gets `451 4.4.0` at RCPT, so the sender re-resolves and retries;
 * after DATA each recipient gets its own reply, 250 only once its copy is on disk.
 */
import { decodeEnvid } from './envid.ts';
import { SMTPServer, type SMTPServerOptions, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../src/log/logger.ts';
import { parseAccount } from '../../src/util/account.ts';
import type { AccountHolds } from '../holds.ts';
import type { Router } from '../delivery/router.ts';
import { PeerVerifier } from './peer-auth.ts';
import type { Audience } from '../../src/cluster/trust/credentials.ts';
import { readLimited, smtpError } from '../smtp/errors.ts';
import type { GreetPause } from '../smtp/greet-pause.ts';
import '../smtp/greet-pause.ts';
import type { TLSSocket } from 'node:tls';
import { peerNodeName, type NodeTls } from '../../src/cluster/pki/node-tls.ts';

export interface LmtpOptions {
  secret: string;
  /** This node's name and current registration, which a peer's credential must name. */
  self: () => Audience;
  hostname: string;
  holds: AccountHolds;
  router: Router;
  maxMessageBytes: number;
  log: Logger;
  /** The cluster CA and this node's certificate: the listener is mutual TLS. */
  tls: NodeTls;
}

export function createLmtpServer(o: LmtpOptions): SMTPServer {
  const peers = new PeerVerifier(o.secret, o.self);
  /** session id → the node its client certificate names (set once the handshake verified it). */
  const linkPeers = new Map<string, string | undefined>();
  return new SMTPServer(<SMTPServerOptions & GreetPause>{
    greetPauseMs: 0,
    lmtp: true,
    secure: true,
    ...o.tls.serverOptions(),
    onSecure(socket, session, cb) {
      linkPeers.set(session.id, peerNodeName(socket as TLSSocket));
      cb();
    },
    onClose(session) {
      linkPeers.delete(session.id);
    },
    name: o.hostname,
    banner: 'mailcluster internal LMTP',
    disabledCommands: ['STARTTLS'],
    // DSN only to carry a queued hand-over's queue id as ENVID (envid.ts); no DSN is ever sent.
    hideDSN: false,
    authMethods: ['PLAIN'],
    allowInsecureAuth: true,
    size: o.maxMessageBytes,
    logger: false,
    // No reverse DNS per connection: it stalls every session where DNS is slow or absent.
    disableReverseLookup: true,
    onAuth(auth, session, cb) {
      const refusal = peers.verify(auth.username ?? '', auth.password ?? '', linkPeers.get(session.id));
      if (refusal) return cb(smtpError(535, '5.7.8', 'peer authentication failed'));
      cb(null, { user: auth.username });
    },
    onMailFrom(_addr, session, cb) {
      if (!session.user) return cb(smtpError(530, '5.7.0', 'peer authentication required'));
      cb();
    },
    onRcptTo(addr, _session, cb) {
      try {
        const account = parseAccount(addr.address).address;
        o.holds.assertServing(account);
        cb();
      } catch {
        cb(smtpError(451, '4.4.0', 'account not held here; retry'));
      }
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, cb) {
      void (async () => {
        const message = await readLimited(stream, o.maxMessageBytes);
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const list = session.envelope.rcptTo.map((r) => {
          const address = parseAccount(r.address).address;
          const token = (() => {
            try {
              return o.holds.assertServing(address);
            } catch {
              return '';
            }
          })();
          return { address, token };
        });
        // The sender already added Return-Path; LMTP receives the message as it will be stored.
        const queued = decodeEnvid((session.envelope as { dsn?: { envid?: string | null } }).dsn?.envid);
        const outcomes = await o.router.deliverHere(from, list, message, false, queued);
        const replies = list.map(({ address }) => {
          const r = outcomes.find((x) => x.address === address);
          if (r?.ok) return `2.0.0 <${address}> delivered`;
          const m = /^(\d{3}) (\d\.\d\.\d) (.*)$/.exec(r && !r.ok ? r.reply : '');
          return smtpError(m ? Number(m[1]) : 451, m?.[2] ?? '4.3.0', m?.[3] ?? 'delivery failed');
        });
        cb(null, replies as unknown as string);
      })().catch((err: unknown) => cb(err instanceof Error ? err : new Error(String(err))));
    },
  });
}

/**
 * Binds an smtp-server instance; every accepted socket gets TCP_NODELAY, since SMTP's short
 * command/reply turns otherwise meet Nagle's algorithm and delayed ACKs (~40 ms stalls per turn).
 */
export function listen(server: SMTPServer, port: number, host: string): Promise<number> {
  server.server.on('connection', (socket: import('node:net').Socket) => socket.setNoDelay(true));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.server.address() as AddressInfo).port));
  });
}
