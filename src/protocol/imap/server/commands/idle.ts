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
    let syncing = false;
    const wake = (): void => {
      if (syncing || !s.mailbox) return;
      if (!s.dirty && !s.mailbox.hasPending) return;
      syncing = true;
      void s
        .syncMailbox(true)
        .catch((err: unknown) => s.io.log('warn', { err }, 'idle sync failed'))
        .finally(() => {
          syncing = false;
          if ((s.dirty || s.mailbox?.hasPending) && s.idling) wake();
        });
    };
    s.idleWake = wake;
    s.send(continuation('idling'));
    wake();
    s.expectLine(cmd.tag, async (raw) => {
      s.idleWake = undefined;
      parseIdleDone(raw);
      return { text: 'IDLE terminated' };
    });
    return undefined;
  },
};
