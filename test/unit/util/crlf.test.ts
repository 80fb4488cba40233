import { describe, expect, it } from 'vitest';
import { isWireClean } from '../../../src/util/crlf.ts';

describe('isWireClean', () => {
  it.each([
    ['', true],
    ['a\r\n', true],
    ['Subject: x\r\n\r\nbody\r\n', true],
    ['a\n', false], // bare LF
    ['a\r\nb\n\r\n', false],
    ['a\rb\r\n', false], // bare CR
    ['a\r\nb', false], // no final CRLF
    ['\r', false],
  ])('%j → %s', (text, clean) => {
    expect(isWireClean(Buffer.from(text, 'latin1'))).toBe(clean);
  });
});
