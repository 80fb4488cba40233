/**
 * Resolving a command's sequence set against the session's view (RFC 3501 §6.4.8, §9 seq-number):
 * message numbers must exist (`BAD` otherwise, as Dovecot does); UIDs that do not exist are simply
 * skipped; `*` is the last message (or the highest UID). `$` (SEARCHRES) is not implemented.
 */
import type { SequenceSet } from '../../types.ts';
import { bad } from '../errors.ts';
import type { MailboxView } from '../mailbox-view.ts';

export interface Target { seq: number; uid: number }

export function resolveTargets(view: MailboxView, set: SequenceSet, uid: boolean): Target[] {
  if (set === '$') throw bad('SEARCHRES ($) is not supported');
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
