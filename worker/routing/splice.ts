/**
 * The data half of a client-session proxy (design §5): joins the client and a logged-in backend
 * socket. After the splice this node does no per-command work: bytes are relayed both ways, and
 * only the holder's last bytes are looked at, once, for the protocol's goodbye.
 *
 * Contract: owns both sockets. `reply` goes to the client first; `pending` (what the client sent
 * after its login command, a pipelining client) goes to the backend first. When either side ends
 * or fails, the other is ended; if the holder goes away without its goodbye (crash, kill), the
 * client gets the protocol's `farewell` line before its socket closes, so a reconnect is routed
 * to the account's new holder — unless the client's last command is still unanswered and its
 * outcome unknown (`outcomeUnknown`): then the connection just closes. `onEnd` runs once, when
 * the session is over. The returned `close` ends the session from this side with the farewell
 * (the holder no longer holds the account: it hung, or lost its grant), so a client does not
 * wait on a holder that will not answer.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export interface SpliceProtocol {
  /**
   * Whether the holder ended the session itself: called once, when its connection is gone, with
   * the last bytes it sent (its last two chunks, so a goodbye split across them is whole). Only
   * the end counts: the same words earlier in a session (inside a message) say nothing.
   */
  saidGoodbye(tail: Buffer): boolean;
  /** The line the client gets when the holder vanished without a goodbye. */
  farewell: string;
  /**
   * Whether the client's last bytes (`tail`, its last chunk, not yet answered at all) are a
   * command whose outcome the holder may have committed: then the client gets no farewell, only
   * the closed connection, because the farewell would read as a reply saying it failed. (POP3:
   * a -ERR to QUIT says no message was removed, but the holder may have removed them.)
   */
  outcomeUnknown?(tail: Buffer): boolean;
}

export interface Splice { close(): void }

/** A connection that may have been spliced to a holder for `account`. */
export interface MaybeSpliced { readonly proxiedFor: { account: string; splice: Splice } | undefined }

/** Closes (with the farewell) every spliced connection of `account`; returns how many. */
export function closeSpliced(connections: Iterable<MaybeSpliced>, account: string): number {
  let n = 0;
  for (const c of connections) {
    const p = c.proxiedFor;
    if (p?.account !== account) continue;
    p.splice.close();
    n++;
  }
  return n;
}

export function spliceSessions(client: Duplex, backend: Socket, reply: Buffer, pending: Buffer, protocol: SpliceProtocol, onEnd?: () => void): Splice {
  let ended = false;
  let previous: Buffer = Buffer.alloc(0);
  let last: Buffer = Buffer.alloc(0);
  /** The client's last chunk while the holder has sent nothing after it, else undefined. */
  let unanswered: Buffer | undefined;
  const end = (wanted?: string): void => {
    if (ended) return;
    ended = true;
    const farewell = wanted && unanswered && protocol.outcomeUnknown?.(unanswered) ? undefined : wanted;
    client.off('data', toBackend);
    backend.off('data', toClient);
    if (farewell && client.writable) client.end(farewell);
    else client.end();
    backend.destroy();
    setTimeout(() => client.destroy(), 1000).unref();
    onEnd?.();
  };
  // One 'data' listener per direction writing straight on (not stream.pipe, whose extra listeners
  // and bookkeeping cost more than the copy itself on every command); a full receiver pauses the
  // sender until it drains, so neither side buffers without bound.
  const toBackend = (chunk: Buffer): void => {
    unanswered = chunk;
    if (!backend.write(chunk)) pauseUntilDrained(client, backend);
  };
  const toClient = (chunk: Buffer): void => {
    unanswered = undefined;
    previous = last;
    last = chunk;
    if (!client.write(chunk)) pauseUntilDrained(backend, client);
  };
  client.write(reply);
  if (pending.length) backend.write(pending);
  client.on('data', toBackend);
  backend.on('data', toClient);
  const gone = (): void => {
    if (!ended) end(protocol.saidGoodbye(Buffer.concat([previous, last])) ? undefined : protocol.farewell);
  };
  backend.on('end', gone);
  backend.on('error', gone);
  backend.on('close', gone);
  client.on('error', () => end());
  client.on('close', () => end());
  client.on('end', () => end());
  return { close: () => end(protocol.farewell) };
}

function pauseUntilDrained(source: Duplex, sink: Duplex): void {
  source.pause();
  sink.once('drain', () => source.resume());
}
