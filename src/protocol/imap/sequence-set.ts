/**
 * Sequence sets (RFC 3501 §9 / RFC 9051 §9):
 *
 *   seq-number   = nz-number / "*"            ; "*" = largest number in use
 *   seq-range    = seq-number ":" seq-number  ; order does not matter: 7:5 = 5:7
 *   sequence-set = (seq-number / seq-range) ["," sequence-set]
 *   sequence-set =/ "$"                       ; RFC 5182 SEARCHRES: the saved result
 *
 * The AST keeps ranges exactly as written (5 is {from: 5, to: 5}; 7:5 stays reversed) so that
 * format ∘ parse is the identity on the AST. Pure functions; nothing here allocates in proportion
 * to the numbers named, except resolveSequenceSet, which is bounded by its `max` argument.
 * Departure: `$` is accepted only as the whole set, not as one element of a list (`1,$`).
 */

export type SeqNumber = number | '*';
export interface SeqRange {
  from: SeqNumber;
  to: SeqNumber;
}
export type SequenceSet = '$' | SeqRange[];

/** Largest nz-number (RFC 3501 `nz-number` is a 32-bit unsigned value). */
export const MAX_SEQ = 0xffffffff;

const SEQ_NUMBER = /^(?:\*|[1-9][0-9]{0,9})$/;

function parseSeqNumber(s: string): SeqNumber | undefined {
  if (!SEQ_NUMBER.test(s)) return undefined;
  if (s === '*') return '*';
  const n = Number(s);
  return n <= MAX_SEQ ? n : undefined;
}

/** Parses the wire text; returns undefined when it is not a sequence set. */
export function parseSequenceSet(text: string): SequenceSet | undefined {
  if (text === '$') return '$';
  if (text.length === 0) return undefined;
  const ranges: SeqRange[] = [];
  for (const part of text.split(',')) {
    const bounds = part.split(':');
    if (bounds.length > 2) return undefined;
    const from = parseSeqNumber(bounds[0]!);
    const to = bounds.length === 2 ? parseSeqNumber(bounds[1]!) : from;
    if (from === undefined || to === undefined) return undefined;
    ranges.push({ from, to });
  }
  return ranges;
}

function formatSeqNumber(n: SeqNumber): string {
  if (n === '*') return '*';
  if (!Number.isInteger(n) || n < 1 || n > MAX_SEQ) throw new RangeError(`not a sequence number: ${n}`);
  return String(n);
}

/** Formats a set; throws RangeError for an empty list or a number outside 1..2^32-1. */
export function formatSequenceSet(set: SequenceSet): string {
  if (set === '$') return '$';
  if (set.length === 0) throw new RangeError('empty sequence set');
  return set.map((r) => (r.from === r.to ? formatSeqNumber(r.from) : `${formatSeqNumber(r.from)}:${formatSeqNumber(r.to)}`)).join(',');
}

/**
 * Collapses runs of consecutive numbers in the order given: [1,2,3,5,4] → 1:3,5,4. Use this when
 * order carries meaning (COPYUID pairs source and destination UIDs by position, RFC 4315 §3).
 */
export function rangesInOrder(numbers: readonly number[]): SeqRange[] {
  const out: SeqRange[] = [];
  for (const n of numbers) {
    const last = out[out.length - 1];
    if (last !== undefined && typeof last.to === 'number' && n === last.to + 1) last.to = n;
    else out.push({ from: n, to: n });
  }
  return out;
}

/** Sorted, de-duplicated, compressed: [7,1,2,3,4,5,3] → `1:5,7`. Throws RangeError when empty. */
export function compressUids(uids: Iterable<number>): string {
  const sorted = [...new Set(uids)].sort((a, b) => a - b);
  return formatSequenceSet(rangesInOrder(sorted));
}

function bound(n: SeqNumber, max: number): number {
  return n === '*' ? max : n;
}

/**
 * Whether `n` is in the set, with `*` standing for `max` (the highest sequence number or UID in
 * the mailbox). Per RFC 3501 §6.4.8 a range `x:*` with x > max still contains max.
 */
export function sequenceSetHas(set: readonly SeqRange[], n: number, max: number): boolean {
  for (const r of set) {
    const a = bound(r.from, max);
    const b = bound(r.to, max);
    if (n >= Math.min(a, b) && n <= Math.max(a, b)) return true;
  }
  return false;
}

/** The members in 1..max, ascending, without duplicates. Work and memory are O(max + set size). */
export function resolveSequenceSet(set: readonly SeqRange[], max: number): number[] {
  const hit = new Uint8Array(max + 1);
  for (const r of set) {
    const a = Math.min(bound(r.from, max), bound(r.to, max));
    const b = Math.min(Math.max(bound(r.from, max), bound(r.to, max)), max);
    for (let i = Math.max(a, 1); i <= b; i++) hit[i] = 1;
  }
  const out: number[] = [];
  for (let i = 1; i <= max; i++) if (hit[i] === 1) out.push(i);
  return out;
}
