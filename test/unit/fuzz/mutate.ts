/**
 * Grammar-aware mutation for the fuzz properties: real client input (test/fixtures/fuzz/, captured
 * from what Thunderbird, imapflow, node-imap and nodemailer send, and the RFCs' examples) edited
 * the ways broken and hostile clients edit it — bytes inserted, dropped or replaced, line ends
 * lost or doubled, literal headers with absurd sizes, 8-bit and NUL bytes, segments repeated, long
 * runs of one special byte — and cut into arbitrary TCP chunks. Inputs are at most MAX_INPUT bytes.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MAX_INPUT } from './bounded.ts';

const DIR = fileURLToPath(new URL('../../fixtures/fuzz/', import.meta.url));

/** The corpus file's lines, each with CRLF. */
export function corpusLines(name: string): Buffer[] {
  return readFileSync(DIR + name, 'latin1').split('\n').filter((l) => l.length).map((l) => Buffer.from(`${l}\r\n`, 'latin1'));
}

const SPECIAL = [0x00, 0x0a, 0x0d, 0x20, 0x22, 0x28, 0x29, 0x2a, 0x5b, 0x5d, 0x7b, 0x7d, 0x2b, 0x5c, 0x80, 0xff];

type Edit = (b: Buffer) => Buffer;
const at = (b: Buffer, f: number): number => Math.floor(f * (b.length + 1));

/** Inserted by the token edit: IMAP's literal headers and specials (the default). */
export const IMAP_TOKENS = ['{0}\r\n', '{1}\r\n', '{4294967295}\r\n', '{99999999999999999999}\r\n', '{12+}\r\n', '{-1}\r\n', '~{3}\r\n', '((((((((((', '"\\', '\r\n', '\n'];
/** Message and header syntax: folds, comments, quotes, encoded words, boundaries, parameters. */
export const MIME_TOKENS = ['\r\n', '\n', '\r\n\r\n', '\r\n ', '\r\n--', '--\r\n', '(', ')', '"', '\\', '<', '>', '@', ',', ':', ';', '[', ']', '=?utf-8?q?', '=?', '?=', '=\r\n', '=', '*0*=', "utf-8''%", 'boundary=', 'Content-Type: multipart/mixed; boundary=b\r\n', 'Content-Type: message/rfc822\r\n', '\r\n--b\r\n', 'Content-Transfer-Encoding: quoted-printable\r\n', 're: ', '(fwd)', '[x]'];
/** SMTP, PROXY and POP3 command syntax. */
export const LINE_TOKENS = ['\r\n', '\n', '\r', ' ', '<', '>', '@', ':', '.', '..', '\r\n.\r\n', 'PROXY ', 'TCP4 ', 'TCP6 ', '::', '\r\n\r\n\x00\r\nQUIT\n', '=', 'ENVID=', '\x00', '\t'];

/** How an input is edited; `tokens` are the syntax bits the token edit inserts. */
export function edits(tokens: readonly string[] = IMAP_TOKENS): fc.Arbitrary<Edit> {
  return fc.oneof(
    fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(...SPECIAL))).map(([f, byte]) => (b: Buffer) => {
      const i = at(b, f);
      return Buffer.concat([b.subarray(0, i), Buffer.of(byte), b.subarray(i)]);
    }),
    fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 8 })).map(([f, n]) => (b: Buffer) => {
      const i = at(b, f);
      return Buffer.concat([b.subarray(0, i), b.subarray(i + n)]);
    }),
    fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(...tokens)).map(([f, s]) => (b: Buffer) => {
      const i = at(b, f);
      return Buffer.concat([b.subarray(0, i), Buffer.from(s, 'latin1'), b.subarray(i)]);
    }),
    fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 2, max: 50 })).map(([f, g, times]) => (b: Buffer) => {
      const i = at(b, Math.min(f, g));
      const j = at(b, Math.max(f, g));
      // never past MAX_INPUT: six chained repeats of 50 would otherwise make gigabytes (the hangs
      // this folder's properties used to have were the generator's, not a parser's)
      const n = Math.min(times, Math.ceil(MAX_INPUT / Math.max(1, j - i)));
      return Buffer.concat([b.subarray(0, i), ...Array<Buffer>(n).fill(b.subarray(i, j)), b.subarray(j)]);
    }),
    // a long run of one special byte or token: where a parser goes quadratic (or worse) if it can
    fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.oneof(fc.constantFrom(...SPECIAL).map((c) => String.fromCharCode(c)), fc.constantFrom(...tokens), fc.constantFrom(' ', '\t', '\r\n ')), fc.integer({ min: 100, max: 20_000 })).map(([f, s, n]) => (b: Buffer) => {
      const i = at(b, f);
      return Buffer.concat([b.subarray(0, i), Buffer.from(s.repeat(Math.ceil(n / s.length)), 'latin1'), b.subarray(i)]);
    }),
  );
}

/** Inputs are cut to this size: the time bound (bounded.ts) is for inputs this big. */
const cap = (b: Buffer): Buffer => (b.length > MAX_INPUT ? b.subarray(0, MAX_INPUT) : b);

/** A session's worth of input: some corpus lines, mutated a few times, plus stray random bytes. */
export function session(lines: Buffer[], tokens: readonly string[] = IMAP_TOKENS): fc.Arbitrary<Buffer> {
  return fc
    .tuple(fc.array(fc.constantFrom(...lines), { minLength: 1, maxLength: 12 }), fc.array(edits(tokens), { maxLength: 6 }), fc.uint8Array({ maxLength: 32 }))
    .map(([picked, e, noise]) => cap(e.reduce<Buffer>((b, f) => cap(f(b)), cap(Buffer.concat([...picked, Buffer.from(noise)])))));
}

/** A whole real input (a message), or two spliced, mutated a few times. */
export function mutated(seeds: Buffer[], tokens: readonly string[]): fc.Arbitrary<Buffer> {
  const one = fc.constantFrom(...seeds);
  const spliced = fc.tuple(one, one, fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })).map(([a, b, f, g]) => Buffer.concat([a.subarray(0, at(a, f)), b.subarray(at(b, g))]));
  return fc.tuple(fc.oneof({ weight: 3, arbitrary: one }, { weight: 1, arbitrary: spliced }), fc.array(edits(tokens), { minLength: 1, maxLength: 6 })).map(([b, e]) => cap(e.reduce<Buffer>((x, f) => cap(f(x)), cap(b))));
}

/** For a runner without a property around it: `input` with 1–6 edits drawn from `seed`. */
export function mutateOnce(input: Buffer, seed: number, tokens: readonly string[]): Buffer {
  const [e] = fc.sample(fc.array(edits(tokens), { minLength: 1, maxLength: 6 }), { seed, numRuns: 1 });
  return cap(e!.reduce<Buffer>((x, f) => cap(f(x)), cap(input)));
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
