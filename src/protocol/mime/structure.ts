/**
 * parseMime: the MIME structure of a stored message (RFC 5322, RFC 2045 §5–§6, RFC 2046 §5) with
 * byte offsets, for FETCH (ENVELOPE, BODYSTRUCTURE, BODY[section]) and SEARCH.
 *
 * Pure and total: never throws, on any bytes. Broken mail parses to the best structure it has:
 * - no blank line after the header: everything is header, the body is empty;
 * - LF-only line ends are accepted wherever CRLF is;
 * - a missing close delimiter ends the last part at the end of its enclosing body;
 * - a multipart without a boundary, or with no part found, gets one empty text/plain part
 *   (RFC 3501 `body-type-mpart` needs at least one);
 * - Departure: past MAX_DEPTH nested multiparts / messages, or MAX_PARTS parts in all, a multipart
 *   or message/rfc822 is kept as an opaque application/octet-stream leaf (as Dovecot caps them).
 */
import { fieldValue, findBodyStart, parseFields } from './header.ts';
import { parseContentType, parseDisposition } from './params.ts';
import type { MimeMessage, MimeParam, MimePart } from './types.ts';
import { replaceComments } from './scan.ts';

export const MAX_DEPTH = 50;
export const MAX_PARTS = 10_000;

interface Budget {
  parts: number;
}

/** Parses the whole message. */
export function parseMime(raw: Buffer): MimeMessage {
  return parseEntity(raw, 0, raw.length, 'plain', 0, { parts: 0 });
}

/** Lines in [start, end): line feeds, plus one when the last line has none. */
export function countLines(raw: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = raw.indexOf(0x0a, start); i >= 0 && i < end; i = raw.indexOf(0x0a, i + 1)) n++;
  if (end > start && raw[end - 1] !== 0x0a) n++;
  return n;
}

/** The entity spanning [start, end); `defaultType` is RFC 2046 §5.1.5's digest rule. */
function parseEntity(raw: Buffer, start: number, end: number, defaultType: 'plain' | 'rfc822', depth: number, budget: Budget): MimePart {
  budget.parts++;
  const bodyStart = findBodyStart(raw, start, end);
  const fields = parseFields(raw, start, bodyStart);
  const ctValue = fieldValue(fields, 'content-type');
  const ct: ReturnType<typeof parseContentType> = ctValue === undefined ? { params: [] } : parseContentType(ctValue);
  let type = ct.type ?? (defaultType === 'rfc822' ? 'message' : 'text');
  let subtype = ct.subtype ?? (defaultType === 'rfc822' ? 'rfc822' : 'plain');
  // RFC 2045 §5.2: a missing or invalid Content-Type means text/plain; charset=us-ascii
  const params: MimeParam[] = ct.type ? ct.params : type === 'text' ? [{ name: 'charset', value: 'us-ascii', wireName: 'charset', wireValue: 'us-ascii' }] : [];
  const isContainer = type === 'multipart' || (type === 'message' && (subtype === 'rfc822' || subtype === 'global'));
  if (isContainer && (depth >= MAX_DEPTH || budget.parts >= MAX_PARTS)) [type, subtype] = ['application', 'octet-stream'];

  const disposition = fieldValue(fields, 'content-disposition');
  const language = fieldValue(fields, 'content-language');
  const encoding = fieldValue(fields, 'content-transfer-encoding');
  let parts: MimePart[] = [];
  let message: MimePart | undefined;
  if (type === 'multipart') {
    const boundary = params.find((p) => p.name === 'boundary')?.value;
    const ranges = boundary ? splitMultipart(raw, bodyStart, end, boundary) : [];
    const childDefault = subtype === 'digest' ? 'rfc822' : 'plain';
    parts = ranges.map(([s, e]) => parseEntity(raw, s, e, childDefault, depth + 1, budget));
    if (parts.length === 0) parts = [parseEntity(raw, end, end, 'plain', depth + 1, budget)];
  } else if (type === 'message' && (subtype === 'rfc822' || subtype === 'global')) {
    message = parseEntity(raw, bodyStart, end, 'plain', depth + 1, budget);
  }
  return {
    headerStart: start,
    bodyStart,
    end,
    header: raw.subarray(start, bodyStart),
    fields,
    type,
    subtype,
    params,
    ...opt('contentId', fieldValue(fields, 'content-id')),
    ...opt('description', fieldValue(fields, 'content-description')),
    ...opt('encoding', encoding === undefined ? undefined : replaceComments(encoding, '').trim().toLowerCase() || undefined),
    ...opt('disposition', disposition === undefined ? undefined : parseDisposition(disposition)),
    ...opt('language', language === undefined ? undefined : replaceComments(language, '').split(',').map((s) => s.trim()).filter(Boolean)),
    ...opt('location', fieldValue(fields, 'content-location')),
    ...opt('md5', fieldValue(fields, 'content-md5')),
    lines: countLines(raw, bodyStart, end),
    parts,
    ...opt('message', message),
  };
}

/** `{ key: value }` when value is defined, else `{}` (exactOptionalPropertyTypes-friendly). */
function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/**
 * Part ranges of a multipart body [start, end) (RFC 2046 §5.1.1): a delimiter is `--boundary` at
 * the start of a line, then `--` (close) or only white space to the end of the line. The line
 * break before a delimiter belongs to it; preamble and epilogue belong to no part.
 */
function splitMultipart(raw: Buffer, start: number, end: number, boundary: string): Array<[number, number]> {
  const delim = Buffer.from(`--${boundary}`, 'latin1');
  const ranges: Array<[number, number]> = [];
  let partStart = -1;
  for (let idx = raw.indexOf(delim, start); idx >= 0 && idx + delim.length <= end; idx = raw.indexOf(delim, idx + 1)) {
    if (idx !== start && raw[idx - 1] !== 0x0a) continue;
    let after = idx + delim.length;
    const closing = raw[after] === 0x2d && raw[after + 1] === 0x2d && after + 1 < end;
    if (closing) after += 2;
    while (after < end && (raw[after] === 0x20 || raw[after] === 0x09)) after++;
    const lineEnds = after >= end || raw[after] === 0x0a || (raw[after] === 0x0d && (after + 1 >= end || raw[after + 1] === 0x0a));
    if (!lineEnds && !closing) continue; // `--boundaryX`: a longer boundary, or text
    if (partStart >= 0) {
      let e = idx;
      if (e > start && raw[e - 1] === 0x0a) e--;
      if (e > start && raw[e - 1] === 0x0d) e--;
      ranges.push([partStart, Math.max(partStart, e)]);
      if (ranges.length >= MAX_PARTS) return ranges;
    }
    if (closing) return ranges;
    const lf = raw.indexOf(0x0a, after);
    partStart = lf < 0 || lf >= end ? end : lf + 1;
  }
  if (partStart >= 0) ranges.push([partStart, end]); // no close delimiter
  return ranges;
}
