/**
 * MIME structure of a stored message (RFC 2045/2046, RFC 5322) with byte offsets, for IMAP FETCH
 * (BODYSTRUCTURE, BODY[section]) and SEARCH. Never throws: broken mail (no blank line, missing
 * final boundary, LF-only lines) parses to the best structure it has; nesting stops at MAX_DEPTH.
 */
export const MAX_DEPTH = 20;

export interface HeaderField { name: string; value: string }

export interface MimePart {
  /** Offsets into the raw message: header block [headerStart, bodyStart), body [bodyStart, end). */
  headerStart: number;
  bodyStart: number;
  end: number;
  fields: HeaderField[];
  type: string; // lower case
  subtype: string; // lower case
  params: Array<[string, string]>;
  /** Sub-parts of a multipart, or the single message/rfc822 body as one part. */
  parts: MimePart[];
  /** For message/rfc822: the encapsulated message's own top part. */
  message?: MimePart;
}

/** Header value by name (case-insensitive, first occurrence), unfolded. */
export function header(part: Pick<MimePart, 'fields'>, name: string): string | undefined {
  const n = name.toLowerCase();
  return part.fields.find((f) => f.name.toLowerCase() === n)?.value;
}

/** End of the header block: index just after the blank line (CRLF CRLF or LF LF), or -1. */
function headerEnd(raw: Buffer, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    if (raw[i] !== 0x0a) continue;
    if (i === start) return i + 1; // empty header block: body starts after the first line break
    if (raw[i + 1] === 0x0a) return i + 2;
    if (raw[i + 1] === 0x0d && raw[i + 2] === 0x0a) return i + 3;
  }
  return -1;
}

export function parseFields(text: string): HeaderField[] {
  const out: HeaderField[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && out.length) out[out.length - 1]!.value += ` ${line.trim()}`;
    else {
      const colon = line.indexOf(':');
      if (colon > 0) out.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
    }
  }
  return out;
}

/** `text/plain; charset="utf-8"; format=flowed` → type, subtype, params (RFC 2231 continuations joined). */
export function parseContentType(value: string | undefined, fallback: [string, string]): { type: string; subtype: string; params: Array<[string, string]> } {
  if (!value) return { type: fallback[0], subtype: fallback[1], params: fallback[0] === 'text' ? [['charset', 'us-ascii']] : [] };
  const [head, ...rest] = splitParams(value);
  const m = /^\s*([^/\s;]+)\s*\/\s*([^\s;]+)/.exec(head ?? '');
  const params = parseParams(rest);
  if (!m) return { type: fallback[0], subtype: fallback[1], params };
  return { type: m[1]!.toLowerCase(), subtype: m[2]!.toLowerCase(), params };
}

/** Splits on `;` outside quotes. */
export function splitParams(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '"' && value[i - 1] !== '\\') quoted = !quoted;
    if (c === ';' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

export function parseParams(items: string[]): Array<[string, string]> {
  const simple: Array<[string, string]> = [];
  const continued = new Map<string, string[]>();
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) continue;
    const name = item.slice(0, eq).trim().toLowerCase();
    let value = item.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    // RFC 2231: name* (encoded), name*0 / name*1 … (continued), name*0* … (continued and encoded)
    const m = /^(.+?)\*(?:(\d+)(\*)?)?$/.exec(name);
    if (m) {
      const index = m[2] === undefined ? 0 : Number(m[2]);
      const encoded = m[2] === undefined || m[3] === '*';
      const parts = continued.get(m[1]!) ?? [];
      parts[index] = encoded ? decode2231(value, index === 0) : value;
      continued.set(m[1]!, parts);
    } else simple.push([name, value]);
  }
  for (const [name, parts] of continued) simple.push([name, parts.filter((p) => p !== undefined).join('')]);
  return simple;
}

/** RFC 2231 `charset'lang'%XX…` (first segment) or `%XX…` (later segments) to text. */
function decode2231(value: string, first: boolean): string {
  let charset = 'utf-8';
  let v = value;
  if (first) {
    const m = /^([^']*)'[^']*'(.*)$/.exec(value);
    if (m) {
      charset = m[1] || 'utf-8';
      v = m[2]!;
    }
  }
  try {
    const bytes = Buffer.from(v.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
    return new TextDecoder(charset.toLowerCase() === 'us-ascii' ? 'utf-8' : charset).decode(bytes);
  } catch {
    return v;
  }
}

/** Parses the part spanning [start, end) of `raw`. */
export function parsePart(raw: Buffer, start: number, end: number, fallback: [string, string] = ['text', 'plain'], depth = 0): MimePart {
  const he = headerEnd(raw, start, end);
  const bodyStart = he < 0 ? end : he;
  const fields = parseFields(raw.toString('latin1', start, bodyStart));
  const ct = parseContentType(header({ fields }, 'content-type'), fallback);
  const part: MimePart = { headerStart: start, bodyStart, end, fields, ...ct, parts: [] };
  if (depth >= MAX_DEPTH) return part;
  if (ct.type === 'multipart') {
    const boundary = ct.params.find(([k]) => k === 'boundary')?.[1];
    if (boundary) part.parts = splitMultipart(raw, bodyStart, end, boundary).map(([s, e]) => parsePart(raw, s, e, ct.subtype === 'digest' ? ['message', 'rfc822'] : ['text', 'plain'], depth + 1));
  } else if (ct.type === 'message' && (ct.subtype === 'rfc822' || ct.subtype === 'global')) {
    part.message = parsePart(raw, bodyStart, end, ['text', 'plain'], depth + 1);
  }
  return part;
}

/** Body ranges between `--boundary` delimiter lines (the CRLF before a delimiter belongs to it). */
function splitMultipart(raw: Buffer, start: number, end: number, boundary: string): Array<[number, number]> {
  const delim = Buffer.from(`--${boundary}`, 'latin1');
  const ranges: Array<[number, number]> = [];
  let partStart = -1;
  let pos = start;
  while (pos < end) {
    const idx = raw.indexOf(delim, pos);
    if (idx < 0 || idx >= end) break;
    const atLineStart = idx === start || raw[idx - 1] === 0x0a;
    if (!atLineStart) {
      pos = idx + delim.length;
      continue;
    }
    let lineEnd = raw.indexOf(0x0a, idx);
    if (lineEnd < 0 || lineEnd >= end) lineEnd = end - 1;
    const closing = raw[idx + delim.length] === 0x2d && raw[idx + delim.length + 1] === 0x2d;
    if (partStart >= 0) {
      let e = idx;
      if (raw[e - 1] === 0x0a) e--;
      if (raw[e - 1] === 0x0d) e--;
      ranges.push([partStart, Math.max(partStart, e)]);
    }
    if (closing) return ranges;
    partStart = lineEnd + 1;
    pos = lineEnd + 1;
  }
  if (partStart >= 0 && partStart < end) ranges.push([partStart, end]); // no closing delimiter
  return ranges;
}

export function parseMime(raw: Buffer): MimePart {
  return parsePart(raw, 0, raw.length);
}

/** Counts lines in [start, end) the way IMAP's body-fld-lines does (text parts, message/rfc822). */
export function countLines(raw: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = raw.indexOf(0x0a, start); i >= 0 && i < end; i = raw.indexOf(0x0a, i + 1)) n++;
  if (end > start && raw[end - 1] !== 0x0a) n++;
  return n;
}
