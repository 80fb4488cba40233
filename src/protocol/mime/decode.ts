/**
 * Decoded text for SEARCH (RFC 3501 §6.4.4: matching is on the decoded, charset-converted text):
 * header values with RFC 2047 encoded words decoded (libmime), bodies of text parts with their
 * transfer encoding (base64, quoted-printable) undone and charset converted to Unicode.
 * Undeclared 8-bit text (and text declared US-ASCII or UTF-8) is UTF-8 where its bytes are
 * well-formed UTF-8 and latin1 elsewhere (utf8-or-latin1.ts). Never throws.
 */
import libmime from 'libmime';
import { decode as decodeCharset } from 'libmime/lib/charset.js';
import { binaryToText } from './header.ts';
import type { HeaderField, MimePart } from './types.ts';
import { utf8OrLatin1 } from './utf8-or-latin1.ts';
import { removeSoftBreaks } from './scan.ts';

/** A header value as Unicode text. */
export function decodeHeaderValue(value: string): string {
  const text = binaryToText(value);
  if (!text.includes('=?')) return text;
  try {
    return libmime.decodeWords(text);
  } catch {
    return text;
  }
}

/** `Name: decoded value` lines of a header. */
export function decodedHeader(fields: readonly HeaderField[]): string {
  return fields.map((f) => `${f.name}: ${decodeHeaderValue(f.value)}`).join('\n');
}

/** RFC 2045 §6.7 quoted-printable (tolerant: a bad `=` sequence stays as written). */
export function decodeQuotedPrintable(body: Buffer): Buffer {
  const s = removeSoftBreaks(body.toString('latin1'));
  return Buffer.from(s.replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
}

/** The body of a leaf part with its transfer encoding undone. */
export function decodeBody(raw: Buffer, part: MimePart): Buffer {
  const body = raw.subarray(part.bodyStart, part.end);
  if (part.encoding === 'base64') return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
  if (part.encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
}

function bytesToText(bytes: Buffer, charset: string | undefined): string {
  if (!charset || /^(us-ascii|utf-?8)$/i.test(charset)) return utf8OrLatin1(bytes);
  try {
    return decodeCharset(bytes, charset);
  } catch {
    return utf8OrLatin1(bytes);
  }
}

const bodyCache = new WeakMap<MimePart, string>();

/**
 * The searchable text of a body (RFC 3501 BODY): text/* parts decoded, the headers and text of
 * encapsulated messages, nothing from other types (images, application/*). Cached per part.
 */
export function decodedBodyText(raw: Buffer, part: MimePart): string {
  const cached = bodyCache.get(part);
  if (cached !== undefined) return cached;
  let text = '';
  if (part.type === 'multipart') text = part.parts.map((p) => decodedBodyText(raw, p)).join('\n');
  else if (part.message) text = `${decodedHeader(part.message.fields)}\n${decodedBodyText(raw, part.message)}`;
  else if (part.type === 'text') text = bytesToText(decodeBody(raw, part), part.params.find((p) => p.name === 'charset')?.value);
  bodyCache.set(part, text);
  return text;
}
