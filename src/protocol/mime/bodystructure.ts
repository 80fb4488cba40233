/**
 * BODY and BODYSTRUCTURE (RFC 3501 §7.4.2 and §9, RFC 9051 §7.5.2):
 *   body-type-basic = media-basic SP body-fields             ; type subtype (params) id desc enc size
 *   body-type-text  = media-text SP body-fields SP body-fld-lines
 *   body-type-msg   = media-message SP body-fields SP envelope SP body SP body-fld-lines
 *   body-ext-1part  = body-fld-md5 [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc …]]]
 *   body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
 *   body-ext-mpart  = body-fld-param [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc …]]]
 * BODY (extended = false) has no extension data at any level; BODYSTRUCTURE sends all four.
 *
 * Spelling, as Cyrus and the RFC's examples: type, subtype, encoding, disposition and parameter
 * names in upper case, values as written; a text part without parameters gets ("CHARSET"
 * "us-ascii") (RFC 2045 §5.2); the encoding defaults to "7BIT"; language is always a list.
 * RFC 2231 parameters go out merged in their encoded `NAME*` form (as Dovecot), so the wire
 * stays 7-bit. Size is the body's octets as stored, lines as countLines.
 */
import type { WireValue } from '../imap/response.ts';
import { envelopeValue, nstring } from './envelope.ts';
import type { MimeMessage, MimePart, MimeParam } from './types.ts';

function paramList(params: readonly MimeParam[]): WireValue {
  return params.length ? params.flatMap((p) => [nstring(p.wireName.toUpperCase()), nstring(p.wireValue)]) : null;
}

function disposition(part: MimePart): WireValue {
  return part.disposition ? [nstring(part.disposition.type.toUpperCase()), paramList(part.disposition.params)] : null;
}

function language(part: MimePart): WireValue {
  return part.language?.length ? part.language.map(nstring) : null;
}

function value(part: MimePart, extended: boolean): WireValue {
  if (part.type === 'multipart') {
    const out: WireValue[] = [{ concat: part.parts.map((p) => value(p, extended)) }, nstring(part.subtype.toUpperCase())];
    if (extended) out.push(paramList(part.params), disposition(part), language(part), nstring(part.location));
    return out;
  }
  const params = part.type === 'text' && part.params.length === 0 ? [{ name: 'charset', value: 'us-ascii', wireName: 'charset', wireValue: 'us-ascii' }] : part.params;
  const out: WireValue[] = [
    nstring(part.type.toUpperCase()),
    nstring(part.subtype.toUpperCase()),
    paramList(params),
    nstring(part.contentId),
    nstring(part.description),
    nstring((part.encoding ?? '7bit').toUpperCase()),
    part.end - part.bodyStart,
  ];
  if (part.message) out.push(envelopeValue(part.message), value(part.message, extended), part.lines);
  else if (part.type === 'text') out.push(part.lines);
  if (extended) out.push(nstring(part.md5), disposition(part), language(part), nstring(part.location));
  return out;
}

/** BODYSTRUCTURE (`extended`) or BODY of a parsed message. Pure; never throws. */
export function bodyStructureValue(msg: MimeMessage, extended: boolean): WireValue;
/** @deprecated the raw bytes are not needed: call bodyStructureValue(msg, extended). */
export function bodyStructureValue(raw: Buffer, msg: MimeMessage, extended: boolean): WireValue;
export function bodyStructureValue(a: MimeMessage | Buffer, b: MimeMessage | boolean, c?: boolean): WireValue {
  return Buffer.isBuffer(a) ? value(b as MimeMessage, c === true) : value(a, b === true);
}
