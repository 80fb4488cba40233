/**
 * The data half of a client-session proxy (design §5): joins the client and a logged-in backend
 * socket. After the splice this node does no per-command work: bytes are piped both ways, and each
 * backend chunk is only searched (natively) for the protocol's goodbye.
 *
 * Contract: owns both sockets. `reply` goes to the client first; `pending` (what the client sent
 * after its login command, a pipelining client) goes to the backend first. When either side ends
 * or fails, the other is ended; if the holder goes away without its goodbye (crash, kill), the
 * client gets the protocol's `farewell` line before its socket closes, so a reconnect is routed
 * to the account's new holder. `onEnd` runs once, when the session is over.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export interface SpliceProtocol {
  /** Whether this chunk from the holder contains its goodbye (the holder ends the session itself). */
  saidGoodbye(chunk: Buffer): boolean;
  /** The line the client gets when the holder vanished without a goodbye. */
  farewell: string;
}

export function spliceSessions(client: Duplex, backend: Socket, reply: Buffer, pending: Buffer, protocol: SpliceProtocol, onEnd?: () => void): void {
  let ended = false;
  const end = (farewell?: string): void => {
    if (ended) return;
    ended = true;
    client.unpipe(backend);
    backend.unpipe(client);
    if (farewell && client.writable) client.end(farewell);
    else client.end();
    backend.destroy();
    setTimeout(() => client.destroy(), 1000).unref();
    onEnd?.();
  };
  client.write(reply);
  if (pending.length) backend.write(pending);
  client.pipe(backend, { end: false });
  backend.pipe(client, { end: false });
  let holderSaidGoodbye = false;
  backend.on('data', (chunk: Buffer) => {
    if (!holderSaidGoodbye && protocol.saidGoodbye(chunk)) holderSaidGoodbye = true;
  });
  const gone = (): void => end(holderSaidGoodbye ? undefined : protocol.farewell);
  backend.on('end', gone);
  backend.on('error', gone);
  backend.on('close', gone);
  client.on('error', () => end());
  client.on('close', () => end());
  client.on('end', () => end());
}
