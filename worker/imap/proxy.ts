/**
 * The IMAP proxy (design §5): a node that does not hold the account authenticates the user itself,
 * then logs in to the holder's IMAP server as a cluster peer acting for that user, relays the
 * holder's tagged reply to the client's LOGIN/AUTHENTICATE and splices the two sockets. After the
 * splice this node does no per-command work: bytes are piped both ways.
 *
 * Contracts:
 * - `openBackend` resolves with a logged-in backend socket and the bytes to hand the client (the
 *   holder's untagged data and its tagged OK for the client's tag), or rejects with ProxyError
 *   (holder unreachable, refused the peer login, timed out) — the caller answers `NO` and the
 *   client's session goes on unauthenticated, nothing half-spliced.
 * - `splice` owns both sockets from then on: when either side ends or fails, the other is ended;
 *   if the holder goes away first the client gets `* BYE` with a reason before its socket closes,
 *   and a reconnect is routed to the account's new holder.
 */
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { peerPassword } from './peer-login.ts';

export class ProxyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProxyError';
  }
}

export interface BackendTarget { host: string; port: number }

/** An IMAP literal-safe quoted string or a synchronising-free literal for LOGIN arguments. */
function imapString(s: string): string {
  if (/^[\x20-\x7e]*$/.test(s) && !/["\\]/.test(s)) return `"${s}"`;
  return `{${Buffer.byteLength(s)}+}\r\n${s}`;
}

export async function openBackend(target: BackendTarget, opts: { tag: string; account: string; secret: string; node: string; timeoutMs?: number }): Promise<{ socket: Socket; reply: Buffer }> {
  const socket = connect({ host: target.host, port: target.port, noDelay: true });
  const timeoutMs = opts.timeoutMs ?? 5000;
  try {
    return await new Promise<{ socket: Socket; reply: Buffer }>((resolve, reject) => {
      let buffer = Buffer.alloc(0);
      let greeted = false;
      const relay: Buffer[] = [];
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
      const onData = (chunk: Buffer): void => {
        buffer = Buffer.concat([buffer, chunk]);
        for (let eol = buffer.indexOf('\r\n'); eol >= 0; eol = buffer.indexOf('\r\n')) {
          const line = buffer.subarray(0, eol + 2);
          buffer = buffer.subarray(eol + 2);
          const text = line.toString('latin1');
          if (!greeted) {
            if (!text.startsWith('* OK')) return fail(`holder greeted with ${text.trim().slice(0, 80)}`);
            greeted = true;
            socket.write(`${opts.tag} LOGIN ${imapString(opts.account)} ${imapString(peerPassword(opts.secret, opts.node, opts.account))}\r\n`);
          } else if (text.startsWith(`${opts.tag} `)) {
            if (!text.startsWith(`${opts.tag} OK`)) return fail(`holder refused the peer login: ${text.trim().slice(opts.tag.length + 1, 160)}`);
            cleanup();
            if (buffer.length) socket.unshift(buffer);
            relay.push(line);
            return resolve({ socket, reply: Buffer.concat(relay) });
          } else if (text.startsWith('* ')) {
            relay.push(line);
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

/**
 * Joins client and backend. `pending` is whatever the client sent after its login command (a
 * pipelining client) — it goes to the backend first. `onEnd` runs once when the session is over.
 */
export function splice(client: Duplex, backend: Socket, reply: Buffer, pending: Buffer, onEnd?: () => void): void {
  let ended = false;
  const end = (byeReason?: string): void => {
    if (ended) return;
    ended = true;
    client.unpipe(backend);
    backend.unpipe(client);
    if (byeReason && client.writable) client.end(`* BYE ${byeReason}\r\n`);
    else client.end();
    backend.destroy();
    setTimeout(() => client.destroy(), 1000).unref();
    onEnd?.();
  };
  client.write(reply);
  if (pending.length) backend.write(pending);
  client.pipe(backend, { end: false });
  backend.pipe(client, { end: false });
  // Only to know whether the holder said goodbye itself (LOGOUT, drain): a native byte search.
  let holderSaidBye = false;
  backend.on('data', (chunk: Buffer) => {
    if (!holderSaidBye && chunk.includes('* BYE ')) holderSaidBye = true;
  });
  const gone = (): void => end(holderSaidBye ? undefined : 'the node serving this mailbox went away; please reconnect');
  backend.on('end', gone);
  backend.on('error', gone);
  backend.on('close', gone);
  client.on('error', () => end());
  client.on('close', () => end());
  client.on('end', () => end());
}
