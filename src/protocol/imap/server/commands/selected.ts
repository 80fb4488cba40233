/**
 * Selected-state housekeeping (RFC 3501 §6.4.1–6.4.3; UNSELECT RFC 3691; UID EXPUNGE RFC 4315):
 *   CHECK   CLOSE   UNSELECT   EXPUNGE   UID EXPUNGE uid-set
 * CLOSE expunges silently (unless read-only); UNSELECT never expunges.
 * EXPUNGE replies `* n EXPUNGE` for each removed message, highest first.
 */
import { no } from '../errors.ts';
import type { ImapSession } from '../session.ts';
import { resolveTargets } from './messages.ts';
import { SELECTED, type CommandOf, type CommandSpec } from './spec.ts';

export const CHECK: CommandSpec<CommandOf<'CHECK'>> = { states: SELECTED, run: async () => ({}) };

function deselect(s: ImapSession): void {
  if (s.state.kind === 'selected') s.state = { kind: 'authenticated', account: s.state.account };
}

export const CLOSE: CommandSpec<CommandOf<'CLOSE'>> = {
  states: SELECTED,
  async run(s) {
    const mb = s.mailbox!;
    if (!mb.readOnly) {
      const gone = await mb.account.expunge(mb.name);
      if (gone.length) mb.account.changed({ folder: mb.name, expunged: gone });
    }
    deselect(s);
    return {};
  },
};

export const UNSELECT: CommandSpec<CommandOf<'UNSELECT'>> = {
  states: SELECTED,
  async run(s) {
    deselect(s);
    return {};
  },
};

/** Sends `* n EXPUNGE` for `uids` (highest sequence number first; `* VANISHED` after ENABLE QRESYNC) and forgets them. */
export function announceExpunged(s: ImapSession, uids: readonly number[]): void {
  s.send(s.mailbox!.expungeResponses(uids));
}

export const EXPUNGE: CommandSpec<CommandOf<'EXPUNGE'>> = {
  states: SELECTED,
  async run(s, cmd) {
    const mb = s.mailbox!;
    if (mb.readOnly) throw no('mailbox is read-only (EXAMINE)', 'READ-ONLY');
    // bring the view up to date first, so every number we send is one the client knows
    await s.syncMailbox(true);
    let uids: number[] | undefined;
    if (cmd.uid) uids = resolveTargets(mb, cmd.sequence, true).map((t) => t.uid).filter((u) => mb.flags.get(u)?.has('\\Deleted'));
    const gone = await mb.account.expunge(mb.name, uids);
    announceExpunged(s, gone);
    if (gone.length) mb.account.changed({ folder: mb.name, expunged: gone });
    return {};
  },
};
