/**
 * A POP3 server: listeners for 110 (STLS) and 995 (implicit TLS), every connection a
 * Pop3Connection running one Pop3Session, with a pino child logger per session (`id`, `address`).
 * It knows nothing of storage or the cluster: all of that is behind `hooks` (StorePop3Hooks for a
 * single server, NodePop3Hooks on a cluster node, where `hooks.route` decides per login whether
 * the session runs here or is proxied to the account's holder).
 *
 * `closeAccount` ends the local sessions of an account with `-ERR [SYS/TEMP] reason` (drain, move,
 * self-fencing, the node losing the grant); nothing they marked is deleted. Sessions are counted
 * for status and metrics: served here, and connections spliced to a holder (`proxied`).
 */
import type { Server, Socket, AddressInfo } from 'node:net';
import type { Logger } from '../../src/log/logger.ts';
import type { Pop3Hooks } from '../../src/protocol/pop3/hooks.ts';
import { err, SIGN_OFF } from '../../src/protocol/pop3/response.ts';
import { isPeerPassword } from '../routing/peer-login.ts';
import type { ProxyIdentity } from '../routing/backend.ts';
import { bindClientListener } from '../client-listener.ts';
import { asTlsProvider, type TlsPair, type TlsProvider } from '../tls.ts';
import { clientAddress } from '../net/client-address.ts';
import type { ProxyGate } from '../net/proxy-gate.ts';
import { Pop3Connection, type Pop3Limits } from './connection.ts';
import { closeSpliced } from '../routing/splice.ts';
import { AddressConnectionCount, TOO_MANY_FROM_ADDRESS } from '../limits/address-count.ts';
import { LoginLessRate, TOO_MANY_WITHOUT_LOGIN } from '../limits/login-less-rate.ts';

/** RFC 2449 §4: command lines up to 255 octets; RFC 1939 §3: autologout after at least 10 minutes. */
export const DEFAULT_POP3_LIMITS: Pop3Limits = { maxLineLength: 255, maxBadCommands: 20, idleTimeoutMs: 10 * 60_000 };

export interface Pop3ServerOptions {
  hooks: Pop3Hooks;
  /** Certificate for STLS and port 995 (a fixed pair, or a source that reloads); without it neither is offered. */
  tls?: TlsProvider | TlsPair;
  /** Accept user passwords before TLS (default false: USER and AUTH PLAIN refused until STLS). */
  allowPlaintextAuth?: boolean;
  /** Per-connection limits; missing ones take DEFAULT_POP3_LIMITS. */
  limits?: Partial<Pop3Limits>;
  /** This node's name and the cluster secret, needed to proxy logins to a holder. */
  peer?: ProxyIdentity;
  log: Logger;
  /** Connections beyond this are refused with `-ERR [SYS/TEMP]` (counted by onRefused). */
  maxConnections?: number;
  onRefused?: (reason: string) => void;
  /** PROXY protocol gate and the listeners it guards ('imap', 'imaps' / 'pop3', 'pop3s'). */
  proxy?: { gate: ProxyGate; listeners: readonly string[] };
  /** Connections at once per client address (clientAddress); more get `-ERR [IN-USE]` (default: unlimited). */
  maxConnectionsPerAddress?: number;
  /** A connection not logged in this long after connecting is signed off (default: none). */
  preLoginTimeoutMs?: number;
  /** Failed logins on one connection before it is signed off (default: unlimited). */
  maxLoginFailures?: number;
  /** Connections per minute from one address that do not log in (LoginLessRate; default: unlimited). */
  loginLessPerMinute?: number;
}

export class Pop3Server {
  private readonly servers: Server[] = [];
  private readonly connections = new Set<Pop3Connection>();
  private readonly sockets = new Set<Socket>();
  private readonly tls: TlsProvider | undefined;
  private readonly limits: Pop3Limits;
  private readonly perAddress: AddressConnectionCount;
  private readonly loginLess: LoginLessRate;
  private proxiedCount = 0;
  private nextId = 0;

  constructor(private readonly o: Pop3ServerOptions) {
    this.tls = o.tls ? asTlsProvider(o.tls) : undefined;
    this.limits = { ...DEFAULT_POP3_LIMITS, ...o.limits };
    this.perAddress = new AddressConnectionCount(o.maxConnectionsPerAddress ?? Infinity);
    this.loginLess = new LoginLessRate(o.loginLessPerMinute ?? Infinity);
  }

  /** Listens on port (0 = any); `implicitTls` for 995 (needs `tls`). Resolves with the bound port. */
  async listen(port: number, host: string, implicitTls = false): Promise<number> {
    const onSocket = (socket: Socket, secure: boolean): void => this.accept(socket, secure);
    const name = implicitTls ? 'pop3s' : 'pop3';
    const proxy = this.o.proxy?.listeners.includes(name) ? this.o.proxy.gate : undefined;
    const server = await bindClientListener({ port, host, implicitTls, tls: this.tls, onSocket, log: this.o.log, protocol: 'pop3', proxy });
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
      socket.end(err(`too many connections on this server; try again later; ${SIGN_OFF}`, 'SYS/TEMP'));
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    const address = clientAddress(socket);
    const release = linkPeer !== undefined ? (): void => undefined : this.perAddress.acquire(address);
    if (!release) {
      this.o.onRefused?.('too many connections from address');
      // RFC 2449 §8.1.1 IN-USE is about the maildrop; RFC 3206 SYS/TEMP says "try again later"
      socket.end(err(`${TOO_MANY_FROM_ADDRESS}; ${SIGN_OFF}`, 'SYS/TEMP'));
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    const refund = linkPeer !== undefined ? (): void => undefined : this.loginLess.take(address);
    if (!refund) {
      release();
      this.o.onRefused?.('too many connections without login from address');
      socket.end(err(`${TOO_MANY_WITHOUT_LOGIN}; ${SIGN_OFF}`, 'SYS/TEMP'));
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const log = this.o.log.child({ id: `pop3-${++this.nextId}`, address: clientAddress(socket) });
    log.debug({ peer: socket.remoteAddress, port: socket.localPort }, 'pop3 session opened');
    const conn = new Pop3Connection(
      socket,
      secure,
      {
        session: {
          hooks: onLogin(this.o.hooks, refund),
          allowPlaintextAuth: this.o.allowPlaintextAuth ?? false,
          isPeerPassword,
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
      if (!conn.proxied && conn.session.state.kind === 'authorization') conn.session.terminate('login timeout: log in sooner after connecting', 'AUTH');
    }, this.o.preLoginTimeoutMs ?? 2 ** 31 - 1);
    preLogin.unref();
}

  /** Ends every local session of `account` with `-ERR [SYS/TEMP] reason`; returns how many. */
  closeAccount(account: string, reason: string): number {
    let n = 0;
    for (const c of this.connections) {
      if (c.proxied || c.session.account !== account) continue;
      c.session.terminate(reason, 'SYS/TEMP');
      n++;
    }
    return n;
  }

  /**
   * Ends every session proxied from here for `account` with `-ERR [SYS/TEMP]` and a reconnect hint:
   * called when the account's grant goes away (see ImapServer.closeProxied). Returns how many.
   */
  closeProxied(account: string): number {
    return closeSpliced(this.connections, account);
  }

  sessions(): { pop3: number; proxied: number } {
    let local = 0;
    for (const c of this.connections) if (!c.proxied && c.session.state.kind !== 'closed') local++;
    return { pop3: local, proxied: this.proxiedCount };
  }

  /** Ends every local session, stops listening and drops every connection (proxied ones too). */
  async close(): Promise<void> {
    for (const c of this.connections) if (!c.proxied) c.session.terminate('server shutting down', 'SYS/TEMP');
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    for (const s of this.sockets) s.destroy();
  }
}

/** Logged in: the token goes back to LoginLessRate. */
function onLogin(hooks: Pop3Hooks, refund: () => void): Pop3Hooks {
  const wrapped = Object.create(hooks) as Pop3Hooks;
  wrapped.authenticate = async (user, password, client) => {
    const account = await hooks.authenticate(user, password, client);
    if (account !== undefined) refund();
    return account;
  };
  return wrapped;
}
