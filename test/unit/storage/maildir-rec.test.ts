/**
 * The compact index record (folder-index.ts, issue 16): it stores the file name as base + an
 * interned info part and the mtime as whole seconds, so what it gives back must be what it was given.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rec } from '../../../src/storage/maildir/folder-index.ts';

const fields = (base: string, name: string, mtimeMs = 0) => ({ uid: 7, base, name, ext: '', size: 10, mtimeMs, recent: false, modseq: 3 });

describe('maildir index record', () => {
  it('gives back every name it is given, whether or not it starts with the base', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ maxLength: 40 }), fc.boolean(), (base, rest, prefixed) => {
        const name = prefixed ? base + rest : rest;
        const r = new Rec(fields(base, name));
        expect(r.name).toBe(name);
        expect(r.base).toBe(base);
        r.name = `${base}:2,FS`;
        expect(r.name).toBe(`${base}:2,FS`);
        r.name = '';
        expect(r.name).toBe('');
      }),
    );
  });
  it('keeps a name that is just the base (no info part) and one renamed to another base', () => {
    const r = new Rec(fields('1700000001.M1P1.host,S=10', '1700000001.M1P1.host,S=10'));
    expect(r.name).toBe('1700000001.M1P1.host,S=10');
    r.name = 'other.M2P2.host:2,S';
    expect(r.name).toBe('other.M2P2.host:2,S');
  });
  it('keeps the mtime in whole seconds, rounding down, also before 1970 and beyond 2038', () => {
    for (const [ms, want] of [[1_700_000_123_999, 1_700_000_123_000], [0, 0], [-1, -1000], [4_200_000_000_500, 4_200_000_000_000]] as const) {
      const r = new Rec(fields('b', 'b:2,', ms));
      expect(r.mtimeMs).toBe(want);
      r.mtimeMs = ms + 1000;
      expect(r.mtimeMs).toBe(want + 1000);
    }
  });
});
