/**
 * A client-facing TCP listener for IMAP or POP3: plain (the protocol offers STARTTLS/STLS) or
 * implicit TLS (993, 995). Protocol-neutral: each accepted socket goes to `onSocket` with whether
 * it is already encrypted.
 *
 * Resolves with the bound server once listening on `port` (0 = any free port); rejects when the
 * port cannot be bound, or for implicit TLS without a certificate. Later listener errors are logged.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Logger } from '../src/log/logger.ts';
import { serverTlsOptions, type TlsProvider } from './tls.ts';

export interface ClientListenerOptions {
  port: number;
  host: string;
  implicitTls: boolean;
  /** Implicit TLS takes each new pair it announces for the next handshake. */
  tls: TlsProvider | undefined;
  onSocket: (socket: Socket, secure: boolean) => void;
  log: Logger;
  /** For the log message: `<protocol> listener error`. */
  protocol: string;
}

export async function bindClientListener(o: ClientListenerOptions): Promise<Server> {
  let server: Server;
  if (o.implicitTls) {
    if (!o.tls) throw new Error('implicit TLS needs a certificate');
    // tls.createServer ignores a `secureContext` option: it needs the key and certificate themselves
    const tlsServer = createTlsServer(serverTlsOptions(o.tls.pair()), (s) => o.onSocket(s, true));
    const unsubscribe = o.tls.onChange((pair) => tlsServer.setSecureContext(serverTlsOptions(pair)));
    tlsServer.once('close', unsubscribe);
    server = tlsServer;
  } else server = createServer((s) => o.onSocket(s, false));
  server.on('error', (err) => o.log.error({ err }, `${o.protocol} listener error`));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  return server;
}
