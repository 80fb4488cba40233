/**
 * An IMAP server: listeners for 143 (STARTTLS) and 993 (implicit TLS), every connection an
 * ImapConnection running one ImapSession, with a pino child logger per session (`id`, `address`).
 * It knows nothing of storage or the cluster: all of that is behind `hooks` (StoreImapHooks for a
 * single server, NodeImapHooks on a cluster node, where `hooks.route` decides per login whether
 * the session runs here or is proxied to the account's holder).
 *
 * `closeAccount` ends the local sessions of an account with `* BYE reason` (drain, move,
 * self-fencing, the node losing the grant). Sessions are counted for status and metrics: served
 * here, and connections spliced to a holder (`proxied`).
 */
import { hostname } from 'node:os';
import type { Server, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../src/log/logger.ts';
import type { ImapHooks } from '../../src/protocol/imap/server/hooks.ts';
import { ImapConnection, type ConnectionLimits } from './connection.ts';
import { isPeerPassword } from '../routing/peer-login.ts';
import type { ProxyIdentity } from '../routing/backend.ts';
import { bindClientListener } from '../client-listener.ts';
import { asTlsProvider, type TlsPair, type TlsProvider } from '../tls.ts';
import { clientAddress } from '../net/client-address.ts';
import type { ProxyGate } from '../net/proxy-gate.ts';
import { closeSpliced } from '../routing/splice.ts';
import { AddressConnectionCount, TOO_MANY_FROM_ADDRESS } from '../limits/address-count.ts';
import { LoginLessRate, TOO_MANY_WITHOUT_LOGIN } from '../limits/login-less-rate.ts';

/** RFC 3501 §5.4: an autologout timer must be at least 30 minutes. */
export const DEFAULT_LIMITS: ConnectionLimits = { maxLineLength: 65536, maxLiteralSize: 50 * 1024 * 1024, maxBadCommands: 20, idleTimeoutMs: 30 * 60_000 };

export interface ImapServerOptions {
  hooks: ImapHooks;
  /** Certificate for STARTTLS and port 993 (a fixed pair, or a source that reloads); without it neither is offered. */
  tls?: TlsProvider | TlsPair;
  /** Accept user passwords before TLS (default false: `LOGINDISABLED` until STARTTLS). */
  allowPlaintextAuth?: boolean;
  /** Per-connection limits; missing ones take DEFAULT_LIMITS. */
  limits?: Partial<ConnectionLimits>;
  /** Shown in the ID response (default: the host name). */
  serverName?: string;
  /** This node's name and the cluster secret, needed to proxy logins to a holder; without it a proxy route fails as unavailable. */
  peer?: ProxyIdentity;
  log: Logger;
  /** Connections beyond this are refused with `* BYE` (counted by onRefused). */
  maxConnections?: number;
  onRefused?: (reason: string) => void;
  /** PROXY protocol gate and the listeners it guards ('imap', 'imaps' / 'pop3', 'pop3s'). */
  proxy?: { gate: ProxyGate; listeners: readonly string[] };
  /** Connections at once per client address (clientAddress); more get `* BYE` (default: unlimited). */
  maxConnectionsPerAddress?: number;
  /** A connection not logged in this long after connecting gets `* BYE` (default: none). */
  preLoginTimeoutMs?: number;
  /** Failed logins on one connection before `* BYE` (default: unlimited). */
  maxLoginFailures?: number;
  /** Connections per minute from one address that do not log in (LoginLessRate; default: unlimited). */
  loginLessPerMinute?: number;
}

export class ImapServer {
  private readonly servers: Server[] = [];
  private readonly connections = new Set<ImapConnection>();
  private readonly sockets = new Set<Socket>();
  private readonly tls: TlsProvider | undefined;
  private proxiedCount = 0;
  private nextId = 0;
  private readonly limits: ConnectionLimits;
  private readonly perAddress: AddressConnectionCount;
  private readonly loginLess: LoginLessRate;

  constructor(private readonly o: ImapServerOptions) {
    this.tls = o.tls ? asTlsProvider(o.tls) : undefined;
    this.limits = { ...DEFAULT_LIMITS, ...o.limits };
    this.perAddress = new AddressConnectionCount(o.maxConnectionsPerAddress ?? Infinity);
    this.loginLess = new LoginLessRate(o.loginLessPerMinute ?? Infinity);
  }

  /**
   * Listens on port (0 = any); `implicitTls` for 993 (needs `tls`). Resolves with the bound port;
   * rejects when the port cannot be bound. May be called once per listener.
   */
  async listen(port: number, host: string, implicitTls = false): Promise<number> {
    const onSocket = (socket: Socket, secure: boolean): void => this.accept(socket, secure);
    const name = implicitTls ? 'imaps' : 'imap';
    const proxy = this.o.proxy?.listeners.includes(name) ? this.o.proxy.gate : undefined;
    const server = await bindClientListener({ port, host, implicitTls, tls: this.tls, onSocket, log: this.o.log, protocol: 'imap', proxy });
    this.servers.push(server);
    return (server.address() as AddressInfo).port;
  }

  /**
   * Serves one accepted connection. `linkPeer`: it came over the internal peer port from that
   * node (its certificate verified): a proxied session, exempt from the per-address limits (every
   * session a node proxies here comes from its one address), and only a peer login is accepted.
   */
  accept(socket: Socket, secure: boolean, linkPeer?: string): void {
    if (this.connections.size >= (this.o.maxConnections ?? Infinity)) {
      this.o.onRefused?.('too many connections');
      socket.end('* BYE [UNAVAILABLE] too many connections on this server; try again later\r\n');
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    const address = clientAddress(socket);
    const release = linkPeer !== undefined ? (): void => undefined : this.perAddress.acquire(address);
    if (!release) {
      this.o.onRefused?.('too many connections from address');
      socket.end(`* BYE [UNAVAILABLE] ${TOO_MANY_FROM_ADDRESS}\r\n`);
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    const refund = linkPeer !== undefined ? (): void => undefined : this.loginLess.take(address);
    if (!refund) {
      release();
      this.o.onRefused?.('too many connections without login from address');
      socket.end(`* BYE [UNAVAILABLE] ${TOO_MANY_WITHOUT_LOGIN}\r\n`);
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const log = this.o.log.child({ id: `imap-${++this.nextId}`, address: clientAddress(socket) });
    log.debug({ peer: socket.remoteAddress, port: socket.localPort }, 'imap session opened');
    const conn = new ImapConnection(
      socket,
      secure,
      {
        session: {
          hooks: onLogin(this.o.hooks, refund),
          allowPlaintextAuth: this.o.allowPlaintextAuth ?? false,
          isPeerPassword,
          serverName: this.o.serverName ?? hostname(),
          clientAddress: address,
          ...(linkPeer !== undefined ? { linkPeer } : {}),
          ...(this.o.maxLoginFailures ? { maxLoginFailures: this.o.maxLoginFailures } : {}),
        },
        limits: this.limits,
        ...(this.tls ? { secureContext: this.tls.context.bind(this.tls) } : {}),
        ...(this.o.peer ? { peer: this.o.peer } : {}),
        log,
        onProxied: (d) => (this.proxiedCount += d),
      },
      () => {
        clearTimeout(preLogin);
        release();
        this.connections.delete(conn);
        this.sockets.delete(socket);
      },
    );
    this.connections.add(conn);
    // Absolute, not reset by traffic: a client dribbling bytes cannot hold a pre-login slot.
    const preLogin = setTimeout(() => {
      if (!conn.proxied && conn.session.state.kind === 'not-authenticated') conn.session.bye('login timeout: log in sooner after connecting');
    }, this.o.preLoginTimeoutMs ?? 2 ** 31 - 1);
    preLogin.unref();
}

  /** Sends `* BYE reason` to every local session of `account`; returns how many were closed. */
  closeAccount(account: string, reason: string): number {
    let n = 0;
    for (const c of this.connections) {
      if (c.proxied || c.session.account?.name !== account) continue;
      c.session.bye(reason);
      n++;
    }
    return n;
  }

  /**
   * Ends every session proxied from here for `account` with `* BYE` and a reconnect hint: called
   * when the account's grant goes away, so the holder they are spliced to no longer serves it
   * (it hung, or lost its lease) and a client must not wait on it. Returns how many were closed.
   */
  closeProxied(account: string): number {
    return closeSpliced(this.connections, account);
  }

  /** Sessions served here (logged in or not), excluding connections handed to a proxy. */
  sessionCount(): number {
    return this.sessions().imap;
  }

  sessions(): { imap: number; proxied: number } {
    let local = 0;
    for (const c of this.connections) if (!c.proxied && c.session.state.kind !== 'logout') local++;
    return { imap: local, proxied: this.proxiedCount };
  }

  /** Says `* BYE` to every local session, stops listening and drops every connection (proxied ones too). */
  async close(): Promise<void> {
    for (const c of this.connections) if (!c.proxied) c.session.bye('server shutting down');
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    for (const s of this.sockets) s.destroy();
  }
}

/** Logged in: the token goes back to LoginLessRate. */
function onLogin(hooks: ImapHooks, refund: () => void): ImapHooks {
  const wrapped = Object.create(hooks) as ImapHooks;
  wrapped.authenticate = async (user, password, client) => {
    const account = await hooks.authenticate(user, password, client);
    if (account !== undefined) refund();
    return account;
  };
  return wrapped;
}
