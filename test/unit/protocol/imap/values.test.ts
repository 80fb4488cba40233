/**
 * The value syntaxes of the wire layer, table-tested: modified UTF-7 mailbox names, sequence
 * sets (parse, format, resolve against a mailbox, COPYUID pairing) and the two date syntaxes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compressUids, copyUidSets, decodeMutf7, encodeMutf7, formatDateTime, formatSearchDate, formatSequenceSet,
  parseDateTime, parseSearchDate, parseSequenceSet, resolveSequenceSet, sequenceSetHas,
} from '../../../../src/protocol/imap/index.ts';

describe('modified UTF-7', () => {
  it.each<[string, string]>([
    ['INBOX', 'INBOX'],
    ['Tom & Jerry', 'Tom &- Jerry'],
    ['~peter/mail/台北/日本語', '~peter/mail/&U,BTFw-/&ZeVnLIqe-'],
    ['Entwürfe', 'Entw&APw-rfe'],
    ['€', '&IKw-'],
    ['😀', '&2D3eAA-'], // a surrogate pair travels as two UTF-16 units
    ['a\tb', 'a&AAk-b'], // control characters are shifted too
  ])('%s ⇄ %s', (name, wire) => {
    expect(encodeMutf7(name)).toBe(wire);
    expect(decodeMutf7(wire)).toBe(name);
  });

  it('decode(encode(s)) = s for any string', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => {
      expect(decodeMutf7(encodeMutf7(s))).toBe(s);
    }), { numRuns: 1000 });
  });

  it.each(['&', '&AOQ', '&AGE-', '&AOQ-&APw-', 'ü', '&A-', '&AOQA-'])('refuses the non-canonical %j', (wire) => {
    expect(decodeMutf7(wire)).toBeUndefined();
  });
});

describe('sequence sets', () => {
  it.each<[string, unknown]>([
    ['1', [{ from: 1, to: 1 }]],
    ['1:*', [{ from: 1, to: '*' }]],
    ['7:5,2,*', [{ from: 7, to: 5 }, { from: 2, to: 2 }, { from: '*', to: '*' }]],
    ['4294967295', [{ from: 4294967295, to: 4294967295 }]],
    ['$', '$'],
  ])('parses %s exactly as written', (text, set) => {
    expect(parseSequenceSet(text)).toEqual(set);
    expect(formatSequenceSet(set as never)).toBe(text);
  });

  it.each(['', '0', '1:0', '01', '1:2:3', '1,', ',1', '4294967296', '1,$', 'a', '-1'])('refuses %j', (text) => {
    expect(parseSequenceSet(text)).toBeUndefined();
  });

  it('resolves against a mailbox: * is the highest, ranges in any order, duplicates once', () => {
    expect(resolveSequenceSet(parseSequenceSet('5:3,1,4,*') as never, 6)).toEqual([1, 3, 4, 5, 6]);
    expect(resolveSequenceSet(parseSequenceSet('2:9') as never, 4)).toEqual([2, 3, 4]);
  });

  it('x:* with x above the highest still contains the highest (RFC 3501 §6.4.8)', () => {
    const set = parseSequenceSet('10:*') as never;
    expect(sequenceSetHas(set, 4, 4)).toBe(true);
    expect(sequenceSetHas(set, 3, 4)).toBe(false);
  });

  it('compressUids sorts and collapses runs; COPYUID keeps the source/destination pairing', () => {
    expect(compressUids([7, 1, 2, 3, 4, 5, 3])).toBe('1:5,7');
    expect(copyUidSets([3, 1, 2, 9], [13, 11, 12, 20])).toEqual({ source: '1:3,9', destination: '11:13,20' });
    expect(copyUidSets([1, 2], [21, 20])).toEqual({ source: '1:2', destination: '21,20' });
  });
});

describe('dates', () => {
  it.each<[string, string]>([
    ['17-Jul-1996 02:44:25 -0700', '1996-07-17T09:44:25.000Z'],
    [' 7-Feb-2026 00:00:00 +0000', '2026-02-07T00:00:00.000Z'],
    ['7-feb-2026 23:59:59 +0130', '2026-02-07T22:29:59.000Z'], // lenient: single digit, any case
  ])('date-time %j', (text, iso) => {
    expect(parseDateTime(text)?.toISOString()).toBe(iso);
  });

  it.each(['31-Feb-2026 00:00:00 +0000', '07-Feb-2026 24:00:00 +0000', '07-Feb-2026 10:00 +0000', '07-Feb-2026 10:00:00 0000', 'yesterday'])('refuses date-time %j', (text) => {
    expect(parseDateTime(text)).toBeUndefined();
  });

  it('formats INTERNALDATE with a fixed-width day and the zone asked for', () => {
    expect(formatDateTime(new Date('2026-02-07T09:05:03Z'))).toBe('07-Feb-2026 09:05:03 +0000');
    expect(formatDateTime(new Date('2026-02-07T09:05:03Z'), -90)).toBe('07-Feb-2026 07:35:03 -0130');
  });

  it('SEARCH dates: d-Mon-yyyy, real calendar days only', () => {
    expect(parseSearchDate('1-Feb-1994')).toEqual({ year: 1994, month: 2, day: 1 });
    expect(parseSearchDate('29-Feb-2024')).toEqual({ year: 2024, month: 2, day: 29 });
    expect(parseSearchDate('29-Feb-2025')).toBeUndefined();
    expect(parseSearchDate('1-Foo-1994')).toBeUndefined();
    expect(formatSearchDate({ year: 2026, month: 3, day: 9 })).toBe('9-Mar-2026');
  });
});
