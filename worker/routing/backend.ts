/**
 * The login half of a client-session proxy (design §5), for any line-based protocol: connects to
 * the holder and runs a short dialogue, one line at a time, until the protocol's `step` says the
 * peer login succeeded or failed.
 *
 * Contract: resolves with the connected socket (bytes after the final line are kept in it, for
 * the splice) and the reply `step` chose to relay to the client; rejects with ProxyError when the
 * holder is unreachable, closes, refuses, or does not finish within `timeoutMs` — then the socket
 * is destroyed and nothing was spliced.
 */
import { connect, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';
import type { NodeTls } from '../../src/cluster/pki/node-tls.ts';

export class ProxyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProxyError';
  }
}

/** The holder: where to connect (its `peer` port), and who it is (the backend login is addressed to it). */
export interface BackendTarget { host: string; port: number; node: string; lease: string }

/**
 * What a node needs to proxy a session to a holder: its name and the cluster secret (the peer
 * login's credential) and its certificate (the link is mutual TLS, the protocol chosen by ALPN).
 */
export interface ProxyIdentity { node: string; secret: string; tls: NodeTls }

/** TLS options for the holder's peer port, speaking `protocol` (ALPN). */
export function peerLinkOptions(identity: ProxyIdentity, target: BackendTarget, protocol: 'imap' | 'pop3'): ConnectionOptions {
  return { ...identity.tls.clientOptions(target.node), ALPNProtocols: [protocol] };
}

/** What to do after one line (CRLF included) from the holder; `write` sends to the holder. */
export type DialogueStep = { kind: 'continue' } | { kind: 'done'; reply: Buffer } | { kind: 'fail'; why: string };

export async function backendDialogue(target: BackendTarget, timeoutMs: number, step: (line: Buffer, write: (data: string) => void) => DialogueStep, tls?: ConnectionOptions): Promise<{ socket: Socket; reply: Buffer }> {
  const socket = tls ? connectTls({ ...tls, host: target.host, port: target.port }) : connect({ host: target.host, port: target.port, noDelay: true });
  socket.setNoDelay(true);
  try {
    return await new Promise<{ socket: Socket; reply: Buffer }>((resolve, reject) => {
      let buffer = Buffer.alloc(0);
      const timer = setTimeout(() => fail(`holder ${target.host}:${target.port} did not answer in ${timeoutMs} ms`), timeoutMs);
      const fail = (why: string): void => {
        cleanup();
        reject(new ProxyError(why));
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        socket.off('data', onData);
        socket.off('error', onError);
        socket.off('close', onClose);
      };
      const onError = (err: Error): void => fail(`holder unreachable: ${err.message}`);
      const onClose = (): void => fail('holder closed the connection');
      const write = (data: string): void => void socket.write(data);
      const onData = (chunk: Buffer): void => {
        buffer = Buffer.concat([buffer, chunk]);
        for (let eol = buffer.indexOf('\r\n'); eol >= 0; eol = buffer.indexOf('\r\n')) {
          const line = buffer.subarray(0, eol + 2);
          buffer = buffer.subarray(eol + 2);
          const next = step(line, write);
          if (next.kind === 'fail') return fail(next.why);
          if (next.kind === 'done') {
            cleanup();
            if (buffer.length) socket.unshift(buffer);
            return resolve({ socket, reply: next.reply });
          }
        }
      };
      socket.on('data', onData);
      socket.on('error', onError);
      socket.on('close', onClose);
    });
  } catch (err) {
    socket.destroy();
    throw err;
  }
}
