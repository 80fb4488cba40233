/**
 * The node's IMAP listeners: 143 (STARTTLS) and 993 (implicit TLS), every connection an
 * ImapConnection. `closeAccount` ends the local sessions of an account with `* BYE reason`
 * (drain, move, self-fencing, the node losing the grant). Sessions are counted for status and
 * metrics: `imap` for sessions served here, `proxied` for connections spliced to a holder.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createSecureContext, createServer as createTlsServer, type SecureContext } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../src/log/logger.ts';
import type { ImapHooks } from '../../src/protocol/imap/server/hooks.ts';
import { ImapConnection, type ConnectionLimits } from './connection.ts';
import { isPeerPassword } from './peer-login.ts';

export interface ImapServerOptions {
  hooks: ImapHooks;
  tls?: { key: string | Buffer; cert: string | Buffer };
  allowPlaintextAuth: boolean;
  limits: ConnectionLimits;
  serverName: string;
  peer: { node: string; secret: string };
  log: Logger;
  /** Connections beyond this are refused with `* BYE` (counted by onRefused). */
  maxConnections?: number;
  onRefused?: (reason: string) => void;
}

export class ImapServer {
  private readonly servers: Server[] = [];
  private readonly connections = new Set<ImapConnection>();
  private readonly sockets = new Set<Socket>();
  private readonly secureContext: SecureContext | undefined;
  private proxiedCount = 0;

  constructor(private readonly o: ImapServerOptions) {
    this.secureContext = o.tls ? createSecureContext({ key: o.tls.key, cert: o.tls.cert }) : undefined;
  }

  /** Listens on port (0 = any); `implicitTls` for 993. Resolves with the bound port. */
  async listen(port: number, host: string, implicitTls = false): Promise<number> {
    const onSocket = (socket: Socket, secure: boolean): void => {
      if (this.connections.size >= (this.o.maxConnections ?? Infinity)) {
        this.o.onRefused?.('too many connections');
        socket.end('* BYE [UNAVAILABLE] too many connections on this server; try again later\r\n');
        setTimeout(() => socket.destroy(), 1000).unref();
        return;
      }
      this.sockets.add(socket);
      socket.setNoDelay(true);
      const conn = new ImapConnection(
        socket,
        secure,
        {
          session: { hooks: this.o.hooks, allowPlaintextAuth: this.o.allowPlaintextAuth, isPeerPassword, serverName: this.o.serverName },
          limits: this.o.limits,
          secureContext: this.secureContext,
          peer: this.o.peer,
          log: this.o.log,
          onProxied: (d) => (this.proxiedCount += d),
        },
        () => {
          this.connections.delete(conn);
          this.sockets.delete(socket);
        },
      );
      this.connections.add(conn);
    };
    let server: Server;
    if (implicitTls) {
      if (!this.o.tls) throw new Error('implicit TLS needs a certificate');
      // tls.createServer ignores a `secureContext` option: it needs the key and certificate themselves
      server = createTlsServer({ key: this.o.tls.key, cert: this.o.tls.cert }, (s) => onSocket(s, true));
    } else server = createServer((s) => onSocket(s, false));
    server.on('error', (err) => this.o.log.error({ err }, 'imap listener error'));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.servers.push(server);
    return (server.address() as AddressInfo).port;
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

  sessions(): { imap: number; proxied: number } {
    let local = 0;
    for (const c of this.connections) if (!c.proxied && c.session.state.kind !== 'logout') local++;
    return { imap: local, proxied: this.proxiedCount };
  }

  async close(): Promise<void> {
    for (const c of this.connections) if (!c.proxied) c.session.bye('server shutting down');
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    for (const s of this.sockets) s.destroy();
  }
}
