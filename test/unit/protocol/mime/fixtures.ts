/** Test helpers: fixture messages from test/fixtures/mime and the wire form of a WireValue. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serverWriter, writeValue, type WireValue } from '../../../../src/protocol/imap/response.ts';

const DIR = fileURLToPath(new URL('../../../fixtures/mime/', import.meta.url));

/** A fixture's bytes; `*.lf.eml` stay LF-only, others get CRLF line ends as stored mail has. */
export function fixture(name: string): Buffer {
  const text = readFileSync(DIR + name, 'latin1');
  return Buffer.from(name.endsWith('.lf.eml') ? text : text.replace(/\r?\n/g, '\r\n'), 'latin1');
}

/** The bytes the server would send for `v` (literals inline), as a latin1 string. */
export function wire(v: WireValue): string {
  const w = serverWriter();
  writeValue(w, v);
  return w.toBuffer().toString('latin1');
}
