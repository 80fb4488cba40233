/**
 * Header blocks (RFC 5322 §2.2, §3.6): where one ends and the fields in it. Tolerant: LF-only line
 * ends, lines without a colon (skipped), a block without the blank line (runs to the end).
 */
import type { HeaderField } from './types.ts';
import { utf8OrLatin1 } from './utf8-or-latin1.ts';
import { trimEndWsp, trimFieldValue } from './scan.ts';

/** Fields kept per header block; the rest of a larger block is still header, just not indexed. */
export const MAX_FIELDS = 2000;

const LF = 0x0a;
const CR = 0x0d;

/**
 * Start of the body of the entity at [start, end): just after the first empty line (CRLF or LF),
 * `start` + its line break when the entity begins with an empty line (no header), `end` when
 * there is no empty line (then everything is header and the body is empty).
 */
export function findBodyStart(raw: Buffer, start: number, end: number): number {
  if (start >= end) return end; // an empty entity (a part between adjacent delimiters): no byte of it to look at
  if (raw[start] === LF) return start + 1;
  if (raw[start] === CR && raw[start + 1] === LF && start + 1 < end) return start + 2;
  for (let i = raw.indexOf(LF, start); i >= 0 && i < end; i = raw.indexOf(LF, i + 1)) {
    if (i + 1 >= end) break;
    if (raw[i + 1] === LF) return i + 2;
    if (raw[i + 1] === CR && i + 2 < end && raw[i + 2] === LF) return i + 3;
  }
  return end;
}

const isWsp = (b: number | undefined): boolean => b === 0x20 || b === 0x09;

/** The fields of the header block [start, end), in order, unfolded, with their offsets. */
export function parseFields(raw: Buffer, start: number, end: number): HeaderField[] {
  const out: HeaderField[] = [];
  let pos = start;
  while (pos < end && out.length < MAX_FIELDS) {
    // a field is its first line and the continuation lines (those starting with WSP) after it
    let fieldEnd = pos;
    do {
      const lf = raw.indexOf(LF, fieldEnd);
      fieldEnd = lf < 0 || lf >= end ? end : lf + 1;
    } while (fieldEnd < end && isWsp(raw[fieldEnd]));
    const text = raw.toString('latin1', pos, fieldEnd);
    const colon = text.indexOf(':');
    const firstBreak = text.indexOf('\n');
    if (colon > 0 && (firstBreak < 0 || colon < firstBreak) && !isWsp(raw[pos])) {
      const name = trimEndWsp(text.slice(0, colon));
      const value = trimFieldValue(text.slice(colon + 1).replace(/\r?\n(?=[ \t])/g, ''));
      if (name && !/[\x00-\x20\x7f]/.test(name)) out.push({ name, value, start: pos, end: fieldEnd });
    }
    pos = fieldEnd;
  }
  return out;
}

/** First field by name (case-insensitive), or undefined. */
export function fieldValue(fields: readonly HeaderField[], name: string): string | undefined {
  const n = name.toLowerCase();
  for (const f of fields) if (f.name.toLowerCase() === n) return f.value;
  return undefined;
}

/** A binary string (one char per byte) as Unicode: UTF-8 where the bytes are, latin1 elsewhere (utf8-or-latin1.ts). */
export function binaryToText(s: string): string {
  if (!/[\x80-\xff]/.test(s)) return s;
  return utf8OrLatin1(Buffer.from(s, 'latin1'));
}
