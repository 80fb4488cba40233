/**
 * Grammar-aware mutation for the fuzz properties: real client input (test/fixtures/fuzz/, captured
 * from what Thunderbird, imapflow, node-imap and nodemailer send, and the RFCs' examples) edited
 * the ways broken and hostile clients edit it — bytes inserted, dropped or replaced, line ends
 * lost or doubled, literal headers with absurd sizes, 8-bit and NUL bytes, segments repeated —
 * and cut into arbitrary TCP chunks.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('../../fixtures/fuzz/', import.meta.url));

/** The corpus file's lines, each with CRLF. */
export function corpusLines(name: string): Buffer[] {
  return readFileSync(DIR + name, 'latin1').split('\n').filter((l) => l.length).map((l) => Buffer.from(`${l}\r\n`, 'latin1'));
}

const SPECIAL = [0x00, 0x0a, 0x0d, 0x20, 0x22, 0x28, 0x29, 0x2a, 0x5b, 0x5d, 0x7b, 0x7d, 0x2b, 0x5c, 0x80, 0xff];

type Edit = (b: Buffer) => Buffer;
const at = (b: Buffer, f: number): number => Math.floor(f * (b.length + 1));

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(...SPECIAL))).map(([f, byte]) => (b: Buffer) => {
    const i = at(b, f);
    return Buffer.concat([b.subarray(0, i), Buffer.of(byte), b.subarray(i)]);
  }),
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 8 })).map(([f, n]) => (b: Buffer) => {
    const i = at(b, f);
    return Buffer.concat([b.subarray(0, i), b.subarray(i + n)]);
  }),
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom('{0}\r\n', '{1}\r\n', '{4294967295}\r\n', '{99999999999999999999}\r\n', '{12+}\r\n', '{-1}\r\n', '~{3}\r\n', '((((((((((', '"\\', '\r\n', '\n')).map(([f, s]) => (b: Buffer) => {
    const i = at(b, f);
    return Buffer.concat([b.subarray(0, i), Buffer.from(s, 'latin1'), b.subarray(i)]);
  }),
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 2, max: 50 })).map(([f, g, times]) => (b: Buffer) => {
    const i = at(b, Math.min(f, g));
    const j = at(b, Math.max(f, g));
    return Buffer.concat([b.subarray(0, i), ...Array<Buffer>(times).fill(b.subarray(i, j)), b.subarray(j)]);
  }),
);

/** A session's worth of input: some corpus lines, mutated a few times, plus stray random bytes. */
export function session(lines: Buffer[]): fc.Arbitrary<Buffer> {
  return fc
    .tuple(fc.array(fc.constantFrom(...lines), { minLength: 1, maxLength: 12 }), fc.array(edit, { maxLength: 6 }), fc.uint8Array({ maxLength: 32 }))
    .map(([picked, edits, noise]) => edits.reduce<Buffer>((b, e) => e(b), Buffer.concat([...picked, Buffer.from(noise)])));
}

/** Cut points for feeding `bytes` in chunks (sorted, within the buffer). */
export function chunked(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  return out.filter((c) => c.length);
}
