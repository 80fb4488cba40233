/**
 * `npm run bench:mime`: MIME parsing of a hostile header (a 2 MB Subject, 20,000 To addresses,
 * 5,000 extra fields) and its ENVELOPE: milliseconds per parse, median and worst of RUNS. The
 * figure that was once a bound in the unit tests; here it is measured, not asserted.
 */
import { envelopeValue, parseMime } from '../../src/protocol/mime/index.ts';
import { serverWriter, writeValue } from '../../src/protocol/imap/response.ts';

const RUNS = Number(process.env.BENCH_MIME_RUNS ?? 10);
const raw = Buffer.from(
  [
    `Subject: ${'x'.repeat(2_000_000)}`,
    `To: ${Array.from({ length: 20_000 }, (_, i) => `u${i}@x.test`).join(', ')}`,
    ...Array.from({ length: 5000 }, (_, i) => `X-${i}: ${i}`),
    '',
    'body',
  ].join('\r\n'),
  'latin1',
);

const times: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const start = performance.now();
  const msg = parseMime(raw);
  const w = serverWriter();
  writeValue(w, envelopeValue(msg));
  w.toBuffer();
  times.push(performance.now() - start);
}
times.sort((a, b) => a - b);
console.log(JSON.stringify({ bench: 'mime-huge-header', bytes: raw.length, runs: RUNS, medianMs: Number(times[Math.floor(RUNS / 2)]!.toFixed(1)), maxMs: Number(times[RUNS - 1]!.toFixed(1)) }));
