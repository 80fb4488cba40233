/**
 * The MIME path FETCH, SEARCH, SORT and THREAD take over a stored message: parseMime, then
 * ENVELOPE and BODY/BODYSTRUCTURE (written to the wire), every section a client can name, the
 * decoded header and body text SEARCH matches on, and the SORT/THREAD keys (base subject, sent
 * date, addresses, message ids). Properties: nothing throws on any bytes (parseMime is total), the
 * structure's offsets nest inside the message and each other, every part the structure lists is
 * a section that exists, and each step stays under the per-input time bound.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bodyStructureValue, envelopeValue, parseMime, sectionBytes, type MimePart } from '../../../../src/protocol/mime/index.ts';
import { decodedBodyText, decodedHeader } from '../../../../src/protocol/mime/decode.ts';
import { baseSubject } from '../../../../src/protocol/mime/base-subject.ts';
import { sentDay } from '../../../../src/protocol/mime/search.ts';
import { addressKey, displayKey, sentDate } from '../../../../src/protocol/mime/sort-keys.ts';
import { fieldValue } from '../../../../src/protocol/mime/header.ts';
import { messageIds } from '../../../../src/protocol/mime/threading.ts';
import { serverWriter, writeValue, type WireValue } from '../../../../src/protocol/imap/response.ts';
import type { Section } from '../../../../src/protocol/imap/types.ts';
import { bounded } from '../bounded.ts';
import { MIME_TOKENS } from '../mutate.ts';
import type { FuzzTarget } from './target.ts';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/', import.meta.url));

/** Real messages: the MIME fixtures (CRLF, as stored) and the fuzz corpus's own. */
export function corpusMessages(): Buffer[] {
  const out: Buffer[] = [];
  for (const dir of ['mime/', 'fuzz/mime/']) {
    for (const name of readdirSync(FIXTURES + dir).filter((n) => n.endsWith('.eml')).sort()) {
      const text = readFileSync(FIXTURES + dir + name, 'latin1');
      out.push(Buffer.from(name.endsWith('.lf.eml') ? text : text.replace(/\r?\n/g, '\r\n'), 'latin1'));
    }
  }
  return out;
}

const wire = (v: WireValue): number => {
  const w = serverWriter();
  writeValue(w, v);
  return w.toBuffer().length;
};

/**
 * Offsets nest: header ≤ body ≤ end within the parent's body. Collects the section paths the
 * structure implies (RFC 3501 §6.4.5): a multipart's parts are path.N; the message inside a
 * message/rfc822 part numbers on from the part's own path (from [1] for a top-level message).
 */
function checkNesting(p: MimePart, lo: number, hi: number, path: number[], paths: number[][]): void {
  assert.ok(lo <= p.headerStart && p.headerStart <= p.bodyStart && p.bodyStart <= p.end && p.end <= hi, `part ${path.join('.')} [${p.headerStart},${p.bodyStart},${p.end}] outside [${lo},${hi}]`);
  if (p.type === 'multipart') assert.ok(p.parts.length >= 1, 'a multipart without parts');
  p.parts.forEach((c, i) => {
    paths.push([...path, i + 1]);
    checkNesting(c, p.bodyStart, p.end, [...path, i + 1], paths);
  });
  const m = p.message;
  if (!m) return;
  const base = path.length ? path : [1];
  if (m.type === 'multipart') return checkNesting(m, p.bodyStart, p.end, base, paths);
  paths.push([...base, 1]);
  checkNesting(m, p.bodyStart, p.end, [...base, 1], paths);
}

export const mimeTarget: FuzzTarget<void> = {
  name: 'mime',
  seeds: corpusMessages,
  tokens: MIME_TOKENS,
  run(raw) {
    const msg = bounded('parseMime', () => parseMime(raw));
    const paths: number[][] = [];
    checkNesting(msg, 0, raw.length, [], paths);
    // the wire writes are not bounded: their time follows the output (BODYSTRUCTURE of MAX_PARTS parts)
    wire(bounded('ENVELOPE', () => envelopeValue(msg)));
    wire(bounded('BODYSTRUCTURE', () => bodyStructureValue(msg, true)));
    wire(bounded('BODY', () => bodyStructureValue(msg, false)));
    bounded('sections', () => {
      const top: Section[] = [{ part: [] }, { part: [], text: 'HEADER' }, { part: [], text: 'TEXT' }, { part: [], text: 'HEADER.FIELDS', fields: ['From', 'Subject'] }, { part: [], text: 'HEADER.FIELDS.NOT', fields: ['Received'] }];
      for (const s of top) assert.notEqual(sectionBytes(raw, msg, s), null);
      for (const part of paths.slice(0, 500)) {
        const body = sectionBytes(raw, msg, { part });
        assert.notEqual(body, null, `section ${part.join('.')} listed but missing`);
        assert.notEqual(sectionBytes(raw, msg, { part, text: 'MIME' }), null);
        sectionBytes(raw, msg, { part, text: 'HEADER' }, { offset: 3, length: 10 });
        sectionBytes(raw, msg, { part, text: 'HEADER.FIELDS', fields: ['Content-Type'] });
      }
    });
    bounded('decoded header', () => decodedHeader(msg.fields));
    bounded('decoded body', () => decodedBodyText(raw, msg));
    bounded('base subject', () => baseSubject(fieldValue(msg.fields, 'subject')));
    bounded('sent day', () => sentDay(fieldValue(msg.fields, 'date')));
    bounded('sent date', () => sentDate(msg.fields));
    for (const h of ['From', 'To', 'Cc'] as const) bounded(`address key ${h}`, () => addressKey(msg.fields, h));
    for (const h of ['From', 'To'] as const) bounded(`display key ${h}`, () => displayKey(msg.fields, h));
    for (const h of ['references', 'in-reply-to', 'message-id']) bounded(`message ids ${h}`, () => messageIds(fieldValue(msg.fields, h)));
  },
};
