/**
 * Resolving a command's sequence set against the session's view (RFC 3501 §6.4.8 and §9, RFC 9051
 * §9 seq-number). `$` (SEARCHRES, RFC 5182) is the saved search result: its messages that still
 * exist, in mailbox order, after `UID` or not (searchres.ts).
 *
 * UIDs (UID FETCH / STORE / COPY / MOVE / EXPUNGE): those that do not exist are skipped, so a set
 * matching nothing, `1:*` on an empty mailbox included, is OK with no data: clients send
 * `UID FETCH 1:* (FLAGS)` right after SELECT whatever the mailbox holds. `*` is the highest UID;
 * RFC 9051 makes it UIDNEXT in an empty mailbox, which matches nothing there either.
 *
 * Message sequence numbers must exist: the seq-number rule says the server should answer BAD to
 * a number above the message count, "*" in an empty mailbox included, so `FETCH 1:*` on an empty
 * mailbox is BAD, as Dovecot answers it. SEARCH does not come here: a sequence set there is a
 * search criterion (search.ts), so `SEARCH 1:*` on an empty mailbox simply finds nothing.
 */
import type { SequenceSet } from '../../types.ts';
import { bad } from '../errors.ts';
import type { MailboxView } from '../mailbox-view.ts';
import { savedTargets } from './searchres.ts';

export interface Target { seq: number; uid: number }

export function resolveTargets(view: MailboxView, set: SequenceSet, uid: boolean): Target[] {
  if (set === '$') return savedTargets(view);
  const out: Target[] = [];
  const n = view.uids.length;
  if (uid) {
    const max = view.uids[n - 1] ?? 0;
    for (let i = 0; i < n; i++) {
      const u = view.uids[i]!;
      if (set.some((r) => within(u, r.from, r.to, max))) out.push({ seq: i + 1, uid: u });
    }
    return out;
  }
  const seqs = new Set<number>();
  for (const r of set) {
    const from = r.from === '*' ? n : r.from;
    const to = r.to === undefined ? from : r.to === '*' ? n : r.to;
    const [lo, hi] = from <= to ? [from, to] : [to, from];
    if (lo < 1 || hi > n) throw bad(n === 0 ? 'the mailbox is empty' : `message numbers go from 1 to ${n}`);
    for (let q = lo; q <= hi; q++) seqs.add(q);
  }
  return [...seqs].sort((a, b) => a - b).map((q) => ({ seq: q, uid: view.uids[q - 1]! }));
}

function within(u: number, from: number | '*', to: number | '*' | undefined, max: number): boolean {
  const a = from === '*' ? max : from;
  const b = to === undefined ? a : to === '*' ? max : to;
  return u >= Math.min(a, b) && u <= Math.max(a, b);
}
