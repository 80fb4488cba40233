/**
 * PROXY protocol (v1 and v2) in front of smtp-server. The library's own `useProxy` reads v1 only,
 * and from a peer outside its list it lets `PROXY ...` through as an SMTP command instead of
 * refusing it, so we put our gate (worker/net/proxy-gate.ts) in its place: smtp-server calls
 * `_handleProxy(socket, cb)` for every accepted raw socket, before any implicit TLS handshake,
 * and builds the session from the `remoteAddress` that callback returns. Deliberate reliance on
 * a private method (as greet-pause.ts does), kept in this one file; without `useProxy` the
 * original only hands back a connection id.
 *
 * After it, `session.remoteAddress` (Received header, logs) is the real client, and
 * `clientAddress()` of the socket the session runs on (the TLS socket on 465) says the same.
 */
import type { Socket } from 'node:net';
import type { SMTPServer } from 'smtp-server';
import { clientAddress, declareClientAddress } from '../net/client-address.ts';
import { passProxyGate, watchUntrusted, type ProxyGate } from '../net/proxy-gate.ts';

type SocketOptions = { remoteAddress?: string } & Record<string, unknown>;
interface Internals {
  _handleProxy(socket: Socket, cb: (err: Error | null, opts?: SocketOptions) => void): void;
  connect(socket: Socket, opts: SocketOptions): void;
}

/** `implicitTls`: port 465, where the client speaks first (its TLS ClientHello). */
export function installProxyGate(server: SMTPServer, gate: ProxyGate, implicitTls: boolean): void {
  const s = server as unknown as Internals;
  const handleProxy = s._handleProxy.bind(server);
  const connect = s.connect.bind(server);
  s._handleProxy = (socket, cb) => {
    passProxyGate(socket, gate, implicitTls, () =>
      handleProxy(socket, (err, opts) => cb(err, err ? opts : { ...opts, remoteAddress: clientAddress(socket) })),
    );
    // a refused socket closes; smtp-server's pending guard on it is released by its 'close'
  };
  s.connect = (socket, opts) => {
    if (opts.remoteAddress) declareClientAddress(socket, opts.remoteAddress);
    // SMTPConnection pipes the plain socket synchronously in connect(): watch its first chunk
    if (!implicitTls) watchUntrusted(socket, gate);
    connect(socket, opts);
  };
}
