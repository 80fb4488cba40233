/** Undeclared 8-bit text: UTF-8 where the bytes are well-formed, latin1 byte by byte elsewhere. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8OrLatin1 } from '../../../../src/protocol/mime/utf8-or-latin1.ts';

const bytes = (...parts: Array<string | number[]>): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

describe('utf8OrLatin1', () => {
  it.each<[string, Buffer, string]>([
    ['ASCII', bytes('plain'), 'plain'],
    ['UTF-8', bytes('Grüße'), 'Grüße'],
    ['latin1', bytes('Gr', [0xfc, 0xdf], 'e'), 'Grüße'],
    ['UTF-8 with a stray byte', bytes('Köln ', [0xff], ' Grüße'), 'Köln ÿ Grüße'],
    ['a lead byte without its continuation', bytes('Stra', [0xdf], 'e'), 'Straße'],
    ['a truncated sequence at the end', bytes('ab', [0xe2, 0x82]), 'abâ\x82'],
    ['an overlong form is not UTF-8', bytes([0xc0, 0xaf]), 'À¯'],
    ['an encoded surrogate is not UTF-8', bytes([0xed, 0xa0, 0x80]), 'í\xa0\x80'],
    ['four-byte UTF-8', bytes('x😀', [0xff]), 'x😀ÿ'],
  ])('%s', (_, input, want) => {
    expect(utf8OrLatin1(input)).toBe(want);
  });

  it('is the UTF-8 decoding of well-formed UTF-8', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => utf8OrLatin1(Buffer.from(s)) === s));
  });

  it('a stray byte between characters costs only itself', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), fc.integer({ min: 0x80, max: 0xff }), (a, b, stray) => {
      // a continuation byte (0x80–0xbf) or a lone lead byte followed by a character that cannot continue it
      fc.pre(b.length === 0 || b.charCodeAt(0) < 0x80);
      return utf8OrLatin1(Buffer.concat([Buffer.from(a), Buffer.from([stray]), Buffer.from(b)])) === a + String.fromCharCode(stray) + b;
    }));
  });
});
