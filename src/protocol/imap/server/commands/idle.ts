/**
 * IDLE (RFC 2177): `+ idling`, then untagged updates as they happen, until the client sends DONE.
 * In the authenticated state there is nothing to report but the session still waits for DONE.
 */
import { continuation } from '../../response.ts';
import { parseIdleDone } from '../../parser.ts';
import { AUTHED, type CommandOf, type CommandSpec } from './spec.ts';

export const IDLE: CommandSpec<CommandOf<'IDLE'>> = {
  states: AUTHED,
  async run(s, cmd) {
    // The sync that is writing updates now, if any. DONE waits for it, so no untagged update (an
    // EXPUNGE above all, RFC 3501 §7.4.1) can follow the tagged reply, outside any command.
    let inflight: Promise<void> | undefined;
    const wake = (): void => {
      if (inflight || !s.mailbox || !s.idling) return;
      if (!s.dirty && !s.mailbox.hasPending) return;
      inflight = s
        .syncMailbox(true)
        .catch((err: unknown) => s.io.log('warn', { err }, 'idle sync failed'))
        .finally(() => {
          inflight = undefined;
          if (s.dirty || s.mailbox?.hasPending) wake();
        });
    };
    s.idleWake = wake;
    s.send(continuation('idling'));
    wake();
    s.expectLine(cmd.tag, async (raw) => {
      s.idleWake = undefined;
      while (inflight) await inflight;
      parseIdleDone(raw);
      return { text: 'IDLE terminated' };
    });
    return undefined;
  },
};
