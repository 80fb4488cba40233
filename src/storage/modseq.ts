/**
 * Modification sequences (RFC 7162 §3.1.1), the part both stores share: what a store remembers of
 * expunged messages so that QRESYNC can say which UIDs vanished since a given modseq.
 *
 * Contract of every store: each message has a modseq >= 1; a folder's highest modseq is >= every
 * message's and every expunge's, never goes back (not across a restart, a failover or a move: the
 * maildir store persists it before the change it numbers is visible), and each commit that changes
 * flags, adds messages or expunges them takes a new one, shared by all messages of that commit.
 *
 * Tombstones: UID ranges with the modseq of the expunge that removed them. At most MAX_TOMBSTONES
 * ranges are kept; older ones are dropped and `floor` rises to their modseq. Asked about a modseq
 * below the floor, the store answers with every UID below UIDNEXT that is not in the folder, which
 * RFC 7162 §3.2.5.1 (4.1 of RFC 5162) allows: a superset of what vanished, never less.
 */
export interface UidRange {
  readonly from: number;
  readonly to: number;
}

export interface Tombstone extends UidRange {
  readonly modseq: number;
}

export const MAX_TOMBSTONES = 10_000;

export class Tombstones {
  ranges: Tombstone[] = [];
  /** Expunges with a modseq at or below this one may have been forgotten. */
  floor = 0;

  /** Records `uids` (ascending) as expunged at `modseq`. */
  add(uids: readonly number[], modseq: number): void {
    for (const r of toRanges(uids)) this.ranges.push({ ...r, modseq });
    if (this.ranges.length > MAX_TOMBSTONES) {
      const gone = this.ranges.splice(0, this.ranges.length - MAX_TOMBSTONES);
      this.floor = Math.max(this.floor, ...gone.map((t) => t.modseq));
    }
  }

  /** UIDs expunged with a modseq above `since`; undefined when that is no longer known. */
  since(since: number): UidRange[] | undefined {
    if (since < this.floor) return undefined;
    return mergeRanges(this.ranges.filter((t) => t.modseq > since));
  }

  /** Forgets everything (a new UIDVALIDITY): anything older than `modseq` is unknown. */
  reset(modseq: number): void {
    this.ranges = [];
    this.floor = modseq;
  }
}

/** Ascending UIDs as ranges: [1,2,3,7] → 1:3, 7:7. */
export function toRanges(uids: readonly number[]): UidRange[] {
  const out: UidRange[] = [];
  for (const u of uids) {
    const last = out[out.length - 1];
    if (last && u === last.to + 1) out[out.length - 1] = { from: last.from, to: u };
    else out.push({ from: u, to: u });
  }
  return out;
}

/** Sorted, overlapping or adjacent ranges joined. */
export function mergeRanges(ranges: readonly UidRange[]): UidRange[] {
  const sorted = [...ranges].sort((a, b) => a.from - b.from);
  const out: UidRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.from <= last.to + 1) out[out.length - 1] = { from: last.from, to: Math.max(last.to, r.to) };
    else out.push({ from: r.from, to: r.to });
  }
  return out;
}

/** UIDs 1..uidNext-1 that are not in `present` (ascending): the fallback answer below the floor. */
export function missingUids(present: Iterable<number>, uidNext: number): UidRange[] {
  const out: UidRange[] = [];
  let next = 1;
  for (const u of present) {
    if (u > next) out.push({ from: next, to: u - 1 });
    next = u + 1;
  }
  if (next < uidNext) out.push({ from: next, to: uidNext - 1 });
  return out;
}
