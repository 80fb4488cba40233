/**
 * UID range arithmetic for VANISHED (src/protocol/imap/server/condstore-ranges.ts), table-tested.
 */
import { describe, expect, it } from 'vitest';
import { intersect, setRanges, toRanges } from '../../../../src/protocol/imap/server/condstore-ranges.ts';
import { parseSequenceSet } from '../../../../src/protocol/imap/sequence-set.ts';

const set = (text: string) => {
  const s = parseSequenceSet(text);
  if (!s || s === '$') throw new Error(text);
  return s;
};

describe('condstore ranges', () => {
  it.each([
    ['1:*', 10, [{ from: 1, to: 10 }]],
    ['7:5,1,2', 10, [{ from: 1, to: 2 }, { from: 5, to: 7 }]],
    ['*:3', 4, [{ from: 3, to: 4 }]],
    ['300:500,400:600', 1000, [{ from: 300, to: 600 }]],
  ] as const)('setRanges(%s, max %d)', (text, max, expected) => {
    expect(setRanges(set(text), max)).toEqual(expected);
  });

  it('intersects without expanding the numbers', () => {
    expect(intersect([{ from: 1, to: 4_000_000_000 }], [{ from: 5, to: 9 }, { from: 3_999_999_999, to: 4_100_000_000 }])).toEqual([
      { from: 5, to: 9 },
      { from: 3_999_999_999, to: 4_000_000_000 },
    ]);
    expect(intersect([{ from: 1, to: 3 }], [{ from: 4, to: 9 }])).toEqual([]);
  });

  it('turns ascending UIDs into ranges, ignoring repeats', () => {
    expect(toRanges([1, 2, 2, 3, 8])).toEqual([{ from: 1, to: 3 }, { from: 8, to: 8 }]);
  });
});
