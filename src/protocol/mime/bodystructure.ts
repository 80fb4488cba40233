/**
 * BODY and BODYSTRUCTURE (RFC 3501 §7.4.2, RFC 9051 §7.5.2) as WireValue trees.
 *   body-type-basic = type subtype (params) id description encoding size [ext: md5 disposition language location]
 *   body-type-text  = … size lines [ext]
 *   body-type-msg   = … size envelope body lines [ext]
 *   body-type-mpart = 1*body subtype [ext: (params) disposition language location]
 * Type and subtype are sent in upper case for the standard ones, as Dovecot and Cyrus do.
 */
import type { WireValue } from '../imap/response.ts';
import { envelopeValue } from './envelope.ts';
import { countLines, header, parseParams, splitParams, type MimePart } from './structure.ts';

const paramList = (params: Array<[string, string]>): WireValue => (params.length ? params.flatMap(([k, v]) => [k.toUpperCase(), v]) : null);

function disposition(part: MimePart): WireValue {
  const v = header(part, 'content-disposition');
  if (!v) return null;
  const [head, ...rest] = splitParams(v);
  return [head!.trim().toUpperCase() || 'ATTACHMENT', paramList(parseParams(rest))];
}

function language(part: MimePart): WireValue {
  const v = header(part, 'content-language');
  if (!v) return null;
  const langs = v.split(',').map((s) => s.trim()).filter(Boolean);
  return langs.length === 1 ? langs[0]! : langs;
}

export function bodyStructureValue(raw: Buffer, part: MimePart, extended: boolean): WireValue {
  if (part.type === 'multipart') {
    const children: WireValue[] = part.parts.length
      ? part.parts.map((p) => bodyStructureValue(raw, p, extended))
      : [['TEXT', 'PLAIN', ['CHARSET', 'us-ascii'], null, null, '7BIT', 0, 0]]; // RFC 3501: a multipart has at least one part
    const out: WireValue[] = [{ concat: children }, part.subtype.toUpperCase()];
    if (extended) out.push(paramList(part.params), disposition(part), language(part), header(part, 'content-location') ?? null);
    return out;
  }
  const size = part.end - part.bodyStart;
  const out: WireValue[] = [
    part.type.toUpperCase(),
    part.subtype.toUpperCase(),
    paramList(part.params),
    header(part, 'content-id') ?? null,
    header(part, 'content-description') ?? null,
    (header(part, 'content-transfer-encoding') ?? '7BIT').trim().toUpperCase(),
    size,
  ];
  if (part.type === 'message' && part.message) {
    out.push(envelopeValue(part.message), bodyStructureValue(raw, part.message, extended), countLines(raw, part.bodyStart, part.end));
  } else if (part.type === 'text') {
    out.push(countLines(raw, part.bodyStart, part.end));
  }
  if (extended) out.push(header(part, 'content-md5') ?? null, disposition(part), language(part), header(part, 'content-location') ?? null);
  return out;
}
