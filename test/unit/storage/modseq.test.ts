/**
 * Tombstones and UID ranges (src/storage/modseq.ts): what VANISHED is computed from.
 */
import { describe, expect, it } from 'vitest';
import { MAX_TOMBSTONES, mergeRanges, missingUids, Tombstones, toRanges } from '../../../src/storage/modseq.ts';

describe('modseq tombstones', () => {
  it.each([
    [[], []],
    [[4], [{ from: 4, to: 4 }]],
    [[1, 2, 3, 7, 9, 10], [{ from: 1, to: 3 }, { from: 7, to: 7 }, { from: 9, to: 10 }]],
  ])('toRanges(%j)', (uids, ranges) => {
    expect(toRanges(uids)).toEqual(ranges);
  });

  it('merges overlapping and adjacent ranges in any order', () => {
    expect(mergeRanges([{ from: 9, to: 12 }, { from: 1, to: 3 }, { from: 4, to: 4 }, { from: 11, to: 20 }])).toEqual([{ from: 1, to: 4 }, { from: 9, to: 20 }]);
  });

  it('lists UIDs below UIDNEXT that are not present', () => {
    expect(missingUids([2, 3, 6], 9)).toEqual([{ from: 1, to: 1 }, { from: 4, to: 5 }, { from: 7, to: 8 }]);
    expect(missingUids([], 1)).toEqual([]);
  });

  it('answers exactly above the floor, and not at all below it once old tombstones were dropped', () => {
    const t = new Tombstones();
    t.add([3, 4], 10);
    t.add([8], 12);
    expect(t.since(9)).toEqual([{ from: 3, to: 4 }, { from: 8, to: 8 }]);
    expect(t.since(10)).toEqual([{ from: 8, to: 8 }]);
    expect(t.since(12)).toEqual([]);
    for (let i = 0; i < MAX_TOMBSTONES; i++) t.add([100 + 2 * i], 13 + i);
    expect(t.ranges).toHaveLength(MAX_TOMBSTONES);
    expect(t.floor).toBe(12);
    expect(t.since(11)).toBeUndefined(); // the store then answers with a superset
    expect(t.since(12)?.[0]).toEqual({ from: 100, to: 100 });
  });
});
