/**
 * The IMAP proxy (design §5): a node that does not hold the account authenticates the user itself,
 * then logs in to the holder's IMAP server as a cluster peer acting for that user, relays the
 * holder's tagged reply to the client's LOGIN/AUTHENTICATE and splices the two sockets. After the
 * splice this node does no per-command work: bytes are piped both ways. The connection and the
 * splice are protocol-neutral (worker/routing); this file holds IMAP's login dialogue and goodbye.
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
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { peerPassword } from '../routing/peer-login.ts';
import { backendDialogue, peerLinkOptions, ProxyError, type BackendTarget, type ProxyIdentity } from '../routing/backend.ts';
import { spliceSessions, type Splice, type SpliceProtocol } from '../routing/splice.ts';

export { ProxyError, type BackendTarget };

/** An IMAP literal-safe quoted string or a synchronising-free literal for LOGIN arguments. */
function imapString(s: string): string {
  if (/^[\x20-\x7e]*$/.test(s) && !/["\\]/.test(s)) return `"${s}"`;
  return `{${Buffer.byteLength(s)}+}\r\n${s}`;
}

export function openBackend(target: BackendTarget, opts: { tag: string; account: string; identity: ProxyIdentity; timeoutMs?: number }): Promise<{ socket: Socket; reply: Buffer }> {
  const { secret, node } = opts.identity;
  let greeted = false;
  const relay: Buffer[] = [];
  return backendDialogue(target, opts.timeoutMs ?? 5000, (line, write) => {
    const text = line.toString('latin1');
    if (!greeted) {
      if (!text.startsWith('* OK')) return { kind: 'fail', why: `holder greeted with ${text.trim().slice(0, 80)}` };
      greeted = true;
      write(`${opts.tag} LOGIN ${imapString(opts.account)} ${imapString(peerPassword(secret, node, target, opts.account))}\r\n`);
    } else if (text.startsWith(`${opts.tag} `)) {
      if (!text.startsWith(`${opts.tag} OK`)) return { kind: 'fail', why: `holder refused the peer login: ${text.trim().slice(opts.tag.length + 1, 160)}` };
      relay.push(line);
      return { kind: 'done', reply: Buffer.concat(relay) };
    } else if (text.startsWith('* ')) {
      relay.push(line);
    }
    return { kind: 'continue' };
  }, peerLinkOptions(opts.identity, target, 'imap'));
}

/**
 * The holder ended the session itself (LOGOUT, drain, move) when its last line is `* BYE …`, or is
 * the tagged reply right after it (LOGOUT).
 */
const GOODBYE_AT_END = /(?:^|\r\n)\* BYE [^\r\n]*\r\n(?:[^\r\n*][^\r\n]*\r\n)?$/;
export const IMAP_SPLICE: SpliceProtocol = {
  saidGoodbye: (tail) => GOODBYE_AT_END.test(tail.subarray(Math.max(0, tail.length - 1024)).toString('latin1')),
  farewell: '* BYE the node serving this mailbox went away; please reconnect\r\n',
};

/**
 * Joins client and backend. `pending` is whatever the client sent after its login command (a
 * pipelining client) — it goes to the backend first. `onEnd` runs once when the session is over.
 */
export function splice(client: Duplex, backend: Socket, reply: Buffer, pending: Buffer, onEnd?: () => void): Splice {
  return spliceSessions(client, backend, reply, pending, IMAP_SPLICE, onEnd);
}
