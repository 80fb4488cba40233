/**
 * STORE (RFC 3501 §6.4.6): `STORE seq-set (+|-)FLAGS[.SILENT] (flag…)`, and UID STORE.
 * Replies `* n FETCH (FLAGS (…))` for each changed message unless .SILENT (UID STORE adds UID).
 * `\Recent` cannot be stored (RFC 3501 §2.3.2): it is dropped from the list.
 */
import { fetchData, type FetchResponseItem } from '../../response-data.ts';
import { no } from '../errors.ts';
import { flagList } from '../mailbox-view.ts';
import { resolveTargets } from './messages.ts';
import { SELECTED, type CommandOf, type CommandSpec } from './spec.ts';

export const STORE: CommandSpec<CommandOf<'STORE'>> = {
  states: SELECTED,
  async run(s, cmd) {
    const mb = s.mailbox!;
    if (mb.readOnly) throw no('mailbox is read-only (EXAMINE)', 'CANNOT');
    const targets = resolveTargets(mb, cmd.sequence, cmd.uid);
    if (targets.length === 0) return {};
    const flags = cmd.flags.filter((f) => f.toLowerCase() !== '\\recent');
    const updated = await mb.account.setFlags(mb.name, targets.map((t) => t.uid), flags, cmd.operation);
    s.send(mb.announceKeywords(updated.flatMap((u) => [...u.flags])));
    for (const u of updated) {
      mb.noteFlags(u.uid, u.flags);
      if (cmd.silent) continue;
      const seq = mb.seqOf(u.uid);
      if (seq === undefined) continue;
      const info = mb.info.get(u.uid);
      const items: FetchResponseItem[] = [{ item: 'FLAGS', flags: flagList({ flags: u.flags, recent: info?.recent ?? false }) }];
      if (cmd.uid) items.unshift({ item: 'UID', value: u.uid });
      s.send(fetchData(seq, items));
    }
    if (updated.length) mb.account.changed({ folder: mb.name, flags: updated });
    return {};
  },
};
