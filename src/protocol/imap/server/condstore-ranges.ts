/**
 * UID ranges for CONDSTORE / QRESYNC (RFC 7162): turning UID lists into ranges for VANISHED, and
 * clipping the store's vanished ranges to what a client named (known-uids, a UID FETCH set).
 * Pure; the work is proportional to the ranges, never to the numbers they span.
 */
import type { SequenceSet } from '../types.ts';

export interface UidRange { from: number; to: number }

/** Ascending UIDs as ranges: [1,2,3,7] → 1:3, 7:7. */
export function toRanges(uids: readonly number[]): UidRange[] {
  const out: UidRange[] = [];
  for (const u of uids) {
    const last = out[out.length - 1];
    if (last && u === last.to + 1) last.to = u;
    else if (!last || u > last.to) out.push({ from: u, to: u });
  }
  return out;
}

/** A UID set as sorted, merged ranges; `*` is `max` (the highest UID that can matter). */
export function setRanges(set: Exclude<SequenceSet, '$'>, max: number): UidRange[] {
  const rs = set.map((r) => {
    const a = r.from === '*' ? max : r.from;
    const b = r.to === '*' ? max : r.to;
    return { from: Math.min(a, b), to: Math.max(a, b) };
  }).sort((x, y) => x.from - y.from);
  const out: UidRange[] = [];
  for (const r of rs) {
    const last = out[out.length - 1];
    if (last && r.from <= last.to + 1) last.to = Math.max(last.to, r.to);
    else out.push({ ...r });
  }
  return out;
}

/** The intersection of two sorted, merged range lists. */
export function intersect(a: readonly UidRange[], b: readonly UidRange[]): UidRange[] {
  const out: UidRange[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const from = Math.max(a[i]!.from, b[j]!.from);
    const to = Math.min(a[i]!.to, b[j]!.to);
    if (from <= to) out.push({ from, to });
    if (a[i]!.to < b[j]!.to) i++;
    else j++;
  }
  return out;
}
