/**
 * A client-facing TCP listener for IMAP or POP3: plain (the protocol offers STARTTLS/STLS) or
 * implicit TLS (993, 995). Protocol-neutral: each accepted socket goes to `onSocket` with whether
 * it is already encrypted.
 *
 * With `proxy`, every connection first passes the PROXY protocol gate (worker/net/proxy-gate.ts)
 * on the raw TCP socket; for implicit TLS the handshake starts after the header. The socket
 * handed to `onSocket` (the TLS socket on 993/995) then answers `clientAddress` with the real
 * client's address.
 *
 * Resolves with the bound server once listening on `port` (0 = any free port); rejects when the
 * port cannot be bound, or for implicit TLS without a certificate. Later listener errors are logged.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Logger } from '../src/log/logger.ts';
import { serverTlsOptions, type TlsProvider } from './tls.ts';
import { clientAddress, declareClientAddress } from './net/client-address.ts';
import { passProxyGate, watchUntrusted, type ProxyGate } from './net/proxy-gate.ts';

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
  /** PROXY protocol on this listener; absent = off. */
  proxy?: ProxyGate | undefined;
}

export async function bindClientListener(o: ClientListenerOptions): Promise<Server> {
  let server: Server;
  const proxy = o.proxy;
  if (o.implicitTls) {
    if (!o.tls) throw new Error('implicit TLS needs a certificate');
    // tls.createServer ignores a `secureContext` option: it needs the key and certificate themselves
    const tls = o.tls;
    const tlsServer = createTlsServer(serverTlsOptions(tls.pair()));
    // a gated TLS server never listens itself: the new pair must reach it all the same
    const unsubscribe = tls.onChange((pair) => tlsServer.setSecureContext(serverTlsOptions(pair)));
    server = proxy ? gatedTls(tlsServer, proxy, o) : tlsServer.on('secureConnection', (s: TLSSocket) => o.onSocket(s, true));
    server.once('close', unsubscribe);
  } else if (proxy) {
    server = createServer((s) =>
      passProxyGate(s, proxy, false, () => {
        watchUntrusted(s, proxy);
        o.onSocket(s, false);
      }),
    );
  } else server = createServer((s) => o.onSocket(s, false));
  server.on('error', (err) => o.log.error({ err }, `${o.protocol} listener error`));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  return server;
}

/**
 * A plain TCP server that runs the gate, then injects the socket into the (never listening) TLS
 * server, as node's tls docs allow (`server.emit('connection', socket)`). The TLS socket is a new
 * object: the declared address is carried over to it by the peer's address and port, which
 * identify one live connection on this listener.
 */
function gatedTls(tlsServer: Server, proxy: ProxyGate, o: ClientListenerOptions): Server {
  const declared = new Map<string, { raw: Socket; address: string }>();
  const key = (s: Socket): string => `${s.remoteAddress}|${s.remotePort}`;
  tlsServer.on('secureConnection', (s: TLSSocket) => {
    const entry = declared.get(key(s));
    if (entry) declareClientAddress(s, entry.address);
    o.onSocket(s, true);
  });
  tlsServer.on('tlsClientError', (err, s) => o.log.debug({ err, address: clientAddress(s) }, `${o.protocol} TLS handshake failed`));
  return createServer((raw) =>
    passProxyGate(raw, proxy, true, () => {
      const k = key(raw);
      declared.set(k, { raw, address: clientAddress(raw) });
      // a later connection may reuse the peer port before this close is seen: delete only our own entry
      raw.once('close', () => declared.get(k)?.raw === raw && declared.delete(k));
      tlsServer.emit('connection', raw);
    }),
  );
}
