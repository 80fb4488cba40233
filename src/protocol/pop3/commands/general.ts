/**
 * Commands of either state (RFC 1939 §5–6, RFC 2449 §5, RFC 2595 §4):
 *   CAPA        multi-line capability list
 *   NOOP        (TRANSACTION) +OK
 *   STLS        (AUTHORIZATION, plaintext connection, TLS available) +OK, then the TLS handshake
 *   QUIT        AUTHORIZATION: +OK and close. TRANSACTION: UPDATE — the marked messages are
 *               removed and \Seen is set on the retrieved ones; `+OK` only once that is on disk.
 */
import { multiline, ok, err, SIGN_OFF } from '../response.ts';
import { badCommand, refuse } from '../errors.ts';
import type { Pop3Session } from '../session.ts';
import { AUTHORIZATION, BOTH, TRANSACTION, type CommandSpec } from './spec.ts';

/** Whether user passwords may be sent on this connection now. */
export function passwordsAllowed(s: Pop3Session): boolean {
  return s.io.secure || s.o.allowPlaintextAuth;
}

export function capabilities(s: Pop3Session): string[] {
  const caps = ['TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING'];
  if (s.state.kind === 'authorization') {
    if (s.io.startTls && !s.io.secure) caps.push('STLS');
    // RFC 2595 §2.3 / RFC 5034 §6: do not offer password mechanisms that would be refused
    if (passwordsAllowed(s)) caps.push('USER', 'SASL PLAIN');
  }
  caps.push('IMPLEMENTATION mailcluster');
  return caps;
}

export const CAPA: CommandSpec = {
  states: BOTH,
  args: [0, 0],
  run: async (s) => multiline('capability list follows', capabilities(s)),
};

export const NOOP: CommandSpec = {
  states: TRANSACTION,
  args: [0, 0],
  run: async () => ok('nothing to do'),
};

export const STLS: CommandSpec = {
  states: AUTHORIZATION,
  args: [0, 0],
  async run(s) {
    const start = s.io.startTls;
    if (!start) throw refuse('TLS is not available on this server');
    if (s.io.secure) throw badCommand('TLS is already active');
    s.send(ok('begin TLS negotiation'));
    // RFC 2595 §4: the state (no user given yet) is kept; anything pipelined before the handshake is dropped by the connection
    s.state = { kind: 'authorization' };
    await start();
    return undefined;
  },
};

export const QUIT: CommandSpec = {
  states: BOTH,
  args: [0, 0],
  async run(s) {
    const st = s.state;
    if (st.kind !== 'transaction') {
      s.signOff(ok(`mailcluster POP3 ${SIGN_OFF}`));
      return undefined;
    }
    const deleted = [...st.deleted].sort((a, b) => a - b);
    const seen = [...st.retrieved].filter((i) => !st.deleted.has(i)).sort((a, b) => a - b);
    s.state = { kind: 'update', drop: st.drop };
    try {
      await st.drop.commit({ deleted, seen });
    } catch (e) {
      s.io.log('warn', { err: e, account: st.drop.account }, 'pop3 update failed');
      s.signOff(err(`some deleted messages not removed; ${SIGN_OFF}`, 'SYS/TEMP'));
      return undefined;
    }
    s.io.log('info', { account: st.drop.account, deleted: deleted.length }, 'pop3 update');
    s.signOff(ok(`mailcluster POP3 ${SIGN_OFF} (${deleted.length} message${deleted.length === 1 ? '' : 's'} deleted)`));
    return undefined;
  },
};
