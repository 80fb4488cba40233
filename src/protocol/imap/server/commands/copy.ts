/**
 * COPY (RFC 3501 §6.4.7) and MOVE (RFC 6851), with UID variants and UIDPLUS COPYUID (RFC 4315):
 *   COPY seq-set mailbox   → OK [COPYUID validity src-uids dst-uids]
 *   MOVE seq-set mailbox   → * OK [COPYUID …], * n EXPUNGE …, OK
 * A missing destination is `NO [TRYCREATE]` (the client may CREATE and retry).
 */
import { untaggedStatus } from '../../response.ts';
import { asDestination, no } from '../errors.ts';
import { announceExpunged } from './selected.ts';
import { resolveTargets } from './messages.ts';
import { SELECTED, type CommandOf, type CommandSpec } from './spec.ts';

export const COPY: CommandSpec<CommandOf<'COPY' | 'MOVE'>> = {
  states: SELECTED,
  async run(s, cmd) {
    const mb = s.mailbox!;
    const dest = cmd.mailbox.toUpperCase() === 'INBOX' ? 'INBOX' : cmd.mailbox;
    if (cmd.name === 'MOVE' && mb.readOnly) throw no('mailbox is read-only (EXAMINE)', 'CANNOT');
    const targets = resolveTargets(mb, cmd.sequence, cmd.uid);
    if (targets.length === 0) {
      // Nothing to copy, but a missing destination is still NO [TRYCREATE], as with messages.
      await mb.account.status(dest).catch(asDestination(dest));
      return { text: `${cmd.name} completed (nothing to do)` };
    }
    const uids = targets.map((t) => t.uid);
    const result = await (cmd.name === 'MOVE' ? mb.account.moveMessages(mb.name, uids, dest) : mb.account.copyMessages(mb.name, uids, dest)).catch(asDestination(dest));
    const source = [...result.uids.keys()];
    const code = source.length ? { code: 'COPYUID' as const, uidValidity: result.uidValidity, source, destination: source.map((u) => result.uids.get(u)!) } : undefined;
    mb.account.changed({ folder: dest, added: true });
    if (dest === mb.name) s.dirty = true;
    if (cmd.name === 'COPY') return { text: 'COPY completed', ...(code ? { code } : {}) };
    if (code) s.send(untaggedStatus('OK', 'moved', code));
    announceExpunged(s, source);
    mb.account.changed({ folder: mb.name, expunged: source });
    return { text: 'MOVE completed' };
  },
};
