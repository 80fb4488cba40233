import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildName, parseName, uniqueBase } from '../../../src/storage/maildir/filename.ts';
import { Keywords } from '../../../src/storage/maildir/keywords.ts';
import { parseUidList, serializeUidList, UidListError } from '../../../src/storage/maildir/uidlist.ts';
import { nextUidValidity } from '../../../src/storage/maildir/uidvalidity.ts';

const root = mkdtempSync(join(tmpdir(), 'mailcluster-format-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('maildir file names', () => {
  it('splits base, known letters, unknown letters and a further info part', () => {
    expect(parseName('1700000000.M1P2.host,S=42:2,FPSab,Xyz')).toEqual({
      base: '1700000000.M1P2.host,S=42',
      letters: 'FSab',
      unknown: 'P',
      tail: ',Xyz',
      size: 42,
    });
    expect(parseName('plain')).toEqual({ base: 'plain', letters: '', unknown: '', tail: '', size: undefined });
    expect(parseName('x,S=7,W=9:2,').size).toBe(7);
  });

  it('writes letters sorted in ASCII order, system flags before keywords, as Dovecot does', () => {
    expect(buildName('b,S=1', ['b', 'T', 'S', 'a', 'D', 'P', 'S'])).toBe('b,S=1:2,DPSTab');
  });

  it('generates unique bases carrying the size', () => {
    const bases = new Set(Array.from({ length: 200 }, () => uniqueBase(123, 1_700_000_000_000)));
    expect(bases.size).toBe(200);
    for (const b of bases) expect(b).toMatch(/^1700000000\.M\d+P\d+Q\d+R[0-9a-f]{8}\.[^/:]+,S=123$/);
  });
});

describe('dovecot-uidlist', () => {
  const text = [
    '3 V1275660208 N25022 G3085f01b7f11094c501100008c4a11c1 Xfuture',
    '25017 :1275660000.M1P2.host,S=10',
    '25020 W1234 G0a1b :1275660001.M1P2.host,S=12',
    '',
  ].join('\n');

  it('reads the header fields and lines, keeping extensions and unknown header fields', () => {
    const l = parseUidList(text);
    expect(l).toMatchObject({ uidValidity: 1275660208, nextUid: 25022, guid: '3085f01b7f11094c501100008c4a11c1', extra: ['Xfuture'] });
    expect(l.entries).toEqual([
      { uid: 25017, ext: '', base: '1275660000.M1P2.host,S=10' },
      { uid: 25020, ext: 'W1234 G0a1b', base: '1275660001.M1P2.host,S=12' },
    ]);
    expect(serializeUidList(l)).toBe(text);
  });

  it('writes exactly Dovecot\'s lines', () => {
    const out = serializeUidList({ uidValidity: 1700000000, nextUid: 3, guid: 'ab'.repeat(16), entries: [{ uid: 1, base: 'a,S=5', ext: '' }, { uid: 2, base: 'b,S=6', ext: '' }] });
    expect(out).toBe(`3 V1700000000 N3 G${'ab'.repeat(16)}\n1 :a,S=5\n2 :b,S=6\n`);
  });

  it('raises N above the highest UID it lists', () => {
    expect(parseUidList('3 V1 N2 G' + '0'.repeat(32) + '\n7 :x\n').nextUid).toBe(8);
  });

  it.each([
    ['empty', ''],
    ['version 1', '1 100 5\n'],
    ['no V', '3 N1 G' + '0'.repeat(32) + '\n'],
    ['bad GUID', '3 V1 N1 Gxyz\n'],
    ['unordered', '3 V1 N9 G' + '0'.repeat(32) + '\n5 :a\n4 :b\n'],
    ['no colon', '3 V1 N9 G' + '0'.repeat(32) + '\n5 a\n'],
    ['slash in name', '3 V1 N9 G' + '0'.repeat(32) + '\n5 :../a\n'],
  ])('refuses a corrupt file (%s)', (_, bad) => expect(() => parseUidList(bad)).toThrow(UidListError));
});

describe('dovecot-keywords', () => {
  it('maps keywords to letters a–z case-insensitively and writes "<index> <name>" lines', () => {
    const k = Keywords.parse('0 $Forwarded\n2 $Junk\nbroken line\n30 TooHigh\n');
    expect(k.nameOf('a')).toBe('$Forwarded');
    expect(k.nameOf('b')).toBeUndefined();
    expect(k.letterOf('$junk', false)).toBe('c');
    expect(k.letterOf('NonJunk', false)).toBeUndefined();
    expect(k.changed).toBe(false);
    expect(k.letterOf('NonJunk', true)).toBe('b');
    expect(k.changed).toBe(true);
    expect(k.format()).toBe('0 $Forwarded\n1 NonJunk\n2 $Junk\n');
  });

  it('refuses a 27th keyword with TOO_MANY_KEYWORDS', () => {
    const k = new Keywords();
    for (let i = 0; i < 26; i++) expect(k.letterOf(`k${i}`, true)).toBe(String.fromCharCode(97 + i));
    expect(() => k.letterOf('one-more', true)).toThrow(expect.objectContaining({ code: 'TOO_MANY_KEYWORDS' }));
  });
});

describe('UIDVALIDITY allocation (dovecot-uidvalidity)', () => {
  it('is time-based, strictly increasing, and kept in Dovecot\'s files', async () => {
    const dir = join(root, 'uv');
    mkdirSync(dir);
    const a = await nextUidValidity(dir, 1_700_000_000_500);
    const b = await nextUidValidity(dir, 1_700_000_000_900); // same second
    const c = await nextUidValidity(dir, 1_600_000_000_000); // clock stepped back
    expect([a, b, c]).toEqual([1_700_000_000, 1_700_000_001, 1_700_000_002]);
    expect(readFileSync(join(dir, 'dovecot-uidvalidity'), 'utf8')).toBe((1_700_000_002).toString(16).padStart(8, '0'));
    expect(readdirSync(dir).sort()).toEqual(['dovecot-uidvalidity', `dovecot-uidvalidity.${(1_700_000_002).toString(16)}`]);
  });
});
