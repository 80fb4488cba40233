/**
 * STORE (RFC 3501 §6.4.6): `STORE seq-set (+|-)FLAGS[.SILENT] (flag…)`, and UID STORE.
 * Replies `* n FETCH (FLAGS (…))` for each changed message unless .SILENT (UID STORE adds UID).
 * `\Recent` cannot be stored (RFC 3501 §2.3.2): it is dropped from the list.
 * CONDSTORE (RFC 7162 §3.1.3): `STORE set (UNCHANGEDSINCE n) …` changes only messages whose
 * modseq is at most n (the store checks it atomically) and names the others in `OK [MODIFIED
 * set]` (UIDs for UID STORE); once CONDSTORE is on, FETCH responses carry MODSEQ, and .SILENT
 * still sends `(UID) MODSEQ` for each changed message so the client's cache stays right.
 */
import { fetchData, type FetchResponseItem } from '../../response-data.ts';
import { no } from '../errors.ts';
import { flagList } from '../mailbox-view.ts';
import { resolveTargets } from './messages.ts';
import { SELECTED, type CommandOf, type CommandSpec } from './spec.ts';
import { enableCondstore, modseqOnly } from './condstore.ts';

export const STORE: CommandSpec<CommandOf<'STORE'>> = {
  states: SELECTED,
  async run(s, cmd) {
    const mb = s.mailbox!;
    if (mb.readOnly) throw no('mailbox is read-only (EXAMINE)', 'CANNOT');
    const targets = resolveTargets(mb, cmd.sequence, cmd.uid);
    if (targets.length === 0) return {};
    if (cmd.unchangedSince !== undefined) enableCondstore(s);
    const flags = cmd.flags.filter((f) => f.toLowerCase() !== '\\recent');
    const updated = await mb.account.setFlags(mb.name, targets.map((t) => t.uid), flags, cmd.operation, cmd.unchangedSince);
    s.send(mb.announceKeywords(updated.flatMap((u) => [...u.flags])));
    const modified: number[] = [];
    for (const u of updated) {
      const seq = mb.seqOf(u.uid);
      if (u.modified) {
        if (seq !== undefined || cmd.uid) modified.push(cmd.uid ? u.uid : seq!);
        continue;
      }
      const before = mb.info.get(u.uid)?.modseq;
      mb.noteFlags(u.uid, u.flags, u.modseq);
      if (seq === undefined) continue;
      if (cmd.silent) {
        if (mb.condstore && u.modseq !== undefined && u.modseq !== before) s.send(modseqOnly(seq, cmd.uid ? u.uid : undefined, u.modseq));
        continue;
      }
      const info = mb.info.get(u.uid);
      const items: FetchResponseItem[] = [{ item: 'FLAGS', flags: flagList({ flags: u.flags, recent: info?.recent ?? false }) }];
      if (cmd.uid) items.unshift({ item: 'UID', value: u.uid });
      if (mb.condstore && u.modseq !== undefined) items.push({ item: 'MODSEQ', value: u.modseq });
      s.send(fetchData(seq, items));
    }
    const changed = updated.filter((u) => !u.modified);
    if (changed.length) mb.account.changed({ folder: mb.name, flags: changed });
    if (modified.length) return { text: 'Conditional STORE failed', code: { code: 'MODIFIED', set: modified.sort((a, b) => a - b) } };
    return {};
  },
};
