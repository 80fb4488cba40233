/**
 * The PROXY protocol step of a client listener, run on the raw TCP socket before the protocol
 * (or the TLS handshake of an implicit-TLS port) sees a byte.
 *
 * Contract:
 * - A peer in `trusted` must open with a valid v1 or v2 header within `headerTimeoutMs`. Then the
 *   real client is declared with `declareClientAddress` (LOCAL / UNKNOWN headers keep the peer's
 *   own address, as haproxy's health checks use them), the bytes after the header are put back
 *   on the socket, and `proceed` runs. Without a header, with a malformed or oversized one, on
 *   timeout or when the peer hangs up first, the socket is destroyed and the refusal logged
 *   (warn `PROXY header refused`, fields peer/port/reason). Nothing is written: the peer is a
 *   load balancer, not a mail client.
 * - Any other peer is a direct client, and a PROXY header from it is refused the same way
 *   (log `PROXY header from untrusted peer refused`); its address is never taken from a header.
 *   Where the client speaks first (implicit TLS) the first bytes are checked before `proceed`;
 *   where the server greets first, `watchUntrusted` checks the first chunk the protocol reads.
 */
import type { Socket } from 'node:net';
import type { Logger } from '../../src/log/logger.ts';
import { declareClientAddress } from './client-address.ts';
import { MAX_V2_PAYLOAD, parseProxyHeader, V2_SIGNATURE, type ProxyParse } from './proxy-header.ts';
import { TrustedProxies } from '../../src/util/trusted-proxies.ts';

export interface ProxyGate {
  trusted: TrustedProxies;
  headerTimeoutMs: number;
  log: Logger;
}

/**
 * Runs the PROXY step; calls `proceed` (at most once, asynchronously) when the connection may go
 * on, else destroys it. `clientSpeaksFirst`: the protocol's first bytes come from the client
 * (implicit TLS), so an untrusted peer's first bytes can be checked before `proceed` at no cost;
 * otherwise an untrusted peer proceeds at once and the caller must call `watchUntrusted`.
 */
export function passProxyGate(socket: Socket, gate: ProxyGate, clientSpeaksFirst: boolean, proceed: () => void): void {
  const trusted = gate.trusted.trusts(socket.remoteAddress);
  if (!trusted && !clientSpeaksFirst) return void setImmediate(proceed);
  readPrefix(socket, gate.headerTimeoutMs, (r) => {
    if (trusted) {
      if (r.kind === 'ok') {
        if (r.client) declareClientAddress(socket, r.client.address);
        gate.log.debug({ peer: socket.remoteAddress, address: r.client?.address, port: socket.localPort }, 'PROXY header accepted');
        return proceed();
      }
      return refuse(socket, gate, 'PROXY header refused', r.kind === 'invalid' ? r.reason : 'no PROXY header from a trusted proxy');
    }
    if (r.kind === 'none') return proceed();
    refuse(socket, gate, 'PROXY header from untrusted peer refused', 'peer is not a trusted proxy');
  });
}

/**
 * For server-greets-first listeners: destroys the socket if the first chunk an untrusted peer
 * sends is a PROXY header. Call it synchronously right before the protocol attaches its own
 * 'data' listener (adding a listener starts the flow of data). The chunk still reaches the
 * protocol, on a socket already destroyed, so no reply gets out.
 */
export function watchUntrusted(socket: Socket, gate: ProxyGate): void {
  if (gate.trusted.trusts(socket.remoteAddress)) return;
  socket.prependOnceListener('data', (chunk: Buffer | string) => {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    const v1 = b.subarray(0, 6).toString('latin1') === 'PROXY ';
    const v2 = b.length >= V2_SIGNATURE.length && b.subarray(0, V2_SIGNATURE.length).equals(V2_SIGNATURE);
    if (v1 || v2) refuse(socket, gate, 'PROXY header from untrusted peer refused', 'peer is not a trusted proxy');
  });
}

function refuse(socket: Socket, gate: ProxyGate, message: string, reason: string): void {
  gate.log.warn({ peer: socket.remoteAddress, port: socket.localPort, reason }, message);
  socket.on('error', () => undefined);
  socket.destroy();
}

type Outcome = ProxyParse | { kind: 'invalid'; reason: string };

/**
 * Reads until parseProxyHeader decides (it holds at most 16 + MAX_V2_PAYLOAD bytes plus one chunk),
 * puts back every byte that is not header, and reports once. Timeout, end, close and error
 * before a decision report `invalid`.
 */
function readPrefix(socket: Socket, timeoutMs: number, done: (r: Outcome) => void): void {
  let buf: Buffer = Buffer.alloc(0);
  let finished = false;
  const finish = (r: Outcome): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    socket.off('readable', onReadable);
    socket.off('end', onEnd);
    socket.off('close', onEnd);
    socket.off('error', onError);
    if (r.kind === 'ok' && buf.length > r.length) socket.unshift(buf.subarray(r.length));
    else if (r.kind === 'none' && buf.length > 0) socket.unshift(buf);
    done(r);
  };
  const onReadable = (): void => {
    let chunk: Buffer | null;
    while (!finished && (chunk = socket.read() as Buffer | null) !== null) {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      const r = parseProxyHeader(buf);
      if (r.kind !== 'incomplete') return finish(r);
      // parseProxyHeader never stays incomplete past its bounds; this is a second fence
      if (buf.length > 16 + MAX_V2_PAYLOAD) return finish({ kind: 'invalid', reason: 'header too long' });
    }
  };
  const onEnd = (): void => finish({ kind: 'invalid', reason: 'connection ended before the PROXY header' });
  const onError = (err: Error): void => finish({ kind: 'invalid', reason: `socket error before the PROXY header: ${err.message}` });
  const timer = setTimeout(() => finish({ kind: 'invalid', reason: `no complete PROXY header within ${timeoutMs} ms` }), timeoutMs);
  timer.unref();
  socket.on('readable', onReadable);
  socket.on('end', onEnd);
  socket.on('close', onEnd);
  socket.on('error', onError);
}

/** The gate and its listeners from `proxyProtocol` settings; undefined when no peer is trusted (off). */
export function proxyGateFromConfig(
  c: { trusted: readonly string[]; listeners: readonly string[]; headerTimeoutMs: number },
  log: Logger,
): { gate: ProxyGate; listeners: readonly string[] } | undefined {
  if (c.trusted.length === 0) return undefined;
  return { gate: { trusted: new TrustedProxies(c.trusted), headerTimeoutMs: c.headerTimeoutMs, log }, listeners: c.listeners };
}
