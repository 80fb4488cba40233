/**
 * The POP3 proxy (design §5): after this node authenticated the user, it logs in to the holder's
 * POP3 port as a cluster peer acting for that user — `AUTH PLAIN`, then the PLAIN response with a
 * one-time POP3 peer token (a continuation line, so not bound by the 255-octet command limit) —
 * and relays the holder's `+OK` as the reply to the client's PASS / AUTH. Then the sockets are
 * spliced (worker/routing/splice.ts). Rejects with ProxyError as worker/routing/backend.ts says.
 */
import type { Socket } from 'node:net';
import { encodePlain } from '../../src/protocol/sasl/plain.ts';
import { SIGN_OFF } from '../../src/protocol/pop3/response.ts';
import { peerPassword } from '../routing/peer-login.ts';
import { backendDialogue, peerLinkOptions, type BackendTarget, type ProxyIdentity } from '../routing/backend.ts';
import type { SpliceProtocol } from '../routing/splice.ts';

export function openPop3Backend(target: BackendTarget, opts: { account: string; identity: ProxyIdentity; timeoutMs?: number }): Promise<{ socket: Socket; reply: Buffer }> {
  const { secret, node } = opts.identity;
  let step: 'greeting' | 'challenge' | 'result' = 'greeting';
  return backendDialogue(target, opts.timeoutMs ?? 5000, (line, write) => {
    const text = line.toString('latin1');
    if (step === 'greeting') {
      if (!text.startsWith('+OK')) return { kind: 'fail', why: `holder greeted with ${text.trim().slice(0, 80)}` };
      step = 'challenge';
      write('AUTH PLAIN\r\n');
    } else if (step === 'challenge') {
      if (!text.startsWith('+ ') && text !== '+\r\n') return { kind: 'fail', why: `holder refused AUTH PLAIN: ${text.trim().slice(0, 160)}` };
      step = 'result';
      write(`${encodePlain(opts.account, peerPassword(secret, node, target, opts.account, 'POP3'))}\r\n`);
    } else {
      if (!text.startsWith('+OK')) return { kind: 'fail', why: `holder refused the peer login: ${text.trim().slice(0, 160)}` };
      return { kind: 'done', reply: line };
    }
    return { kind: 'continue' };
  }, peerLinkOptions(opts.identity, target, 'pop3'));
}

/**
 * Every line by which the holder's session ends the connection says SIGN_OFF, and is the last
 * thing it sends: only the end of a chunk is looked at (a message body saying it does not count).
 */
const GOODBYE_AT_END = new RegExp(`${SIGN_OFF}[^\r\n]*\r\n$`);
export const POP3_SPLICE: SpliceProtocol = {
  saidGoodbye: (chunk) => GOODBYE_AT_END.test(chunk.subarray(Math.max(0, chunk.length - 256)).toString('latin1')),
  farewell: `-ERR [SYS/TEMP] the node serving this mailbox went away; please reconnect; ${SIGN_OFF}\r\n`,
  // A QUIT the holder received may have removed the deleted messages (UPDATE state) before it
  // died: -ERR would tell the client none were removed (RFC 1939 §6), so the connection just closes.
  outcomeUnknown: (tail) => /(^|\n)QUIT\r?\n$/i.test(tail.subarray(Math.max(0, tail.length - 64)).toString('latin1')),
};
