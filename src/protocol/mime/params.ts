/**
 * Structured MIME header values: `type/subtype *(";" parameter)` (RFC 2045 §5.1) and
 * `disposition *(";" parameter)` (RFC 2183), with RFC 2231 parameter continuations, charsets and
 * languages. Tolerant: comments anywhere, unquoted values with specials (read up to the next `;`),
 * missing values and stray semicolons are skipped. Never throws.
 */
import { decode as decodeCharset } from 'libmime/lib/charset.js';
import type { MimeParam } from './types.ts';
import { replaceComments, spaceForComments } from './scan.ts';

/** Parameters kept per header; a hostile header with thousands of them is cut here. */
const MAX_PARAMS = 256;
/** RFC 2231 continuation numbers kept: `name*0` … `name*(MAX_SECTIONS-1)`. */
const MAX_SECTIONS = 1000;

interface RawParam {
  name: string; // lower case, as written with its `*N*` suffix
  value: string;
}

/** Skips white space and (nested) comments from `i`; returns the next index. */
function skipCfws(s: string, i: number): number {
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') i++;
    else if (c === '(') {
      let depth = 0;
      for (; i < s.length; i++) {
        if (s[i] === '\\') i++;
        else if (s[i] === '(') depth++;
        else if (s[i] === ')' && --depth === 0) break;
      }
      i++;
    } else break;
  }
  return i;
}

/** A quoted string starting at s[i] === '"': its content and the index after the closing quote. */
function quoted(s: string, i: number): [string, number] {
  let out = '';
  for (i++; i < s.length && s[i] !== '"'; i++) out += s[i] === '\\' && i + 1 < s.length ? s[++i] : s[i];
  return [out, i + 1];
}

/** Splits `head; a=1; b="2"` into the head (comments and white space removed) and raw parameters. */
export function splitStructured(value: string): { head: string; params: RawParam[] } {
  let head = '';
  let i = 0;
  while (i < value.length && value[i] !== ';') {
    const j = skipCfws(value, i);
    if (j !== i) i = j;
    else if (value[i] === '"') {
      const [q, next] = quoted(value, i);
      head += q;
      i = next;
    } else head += value[i++];
  }
  const params: RawParam[] = [];
  while (i < value.length && params.length < MAX_PARAMS) {
    i = skipCfws(value, i + 1); // past ';'
    let name = '';
    while (i < value.length && !'=;'.includes(value[i]!)) name += value[i++];
    name = replaceComments(name, '').trim().toLowerCase();
    if (value[i] !== '=') continue; // `; junk ;` — no value
    i = skipCfws(value, i + 1);
    let v = '';
    if (value[i] === '"') {
      [v, i] = quoted(value, i);
      while (i < value.length && value[i] !== ';') i++;
    } else {
      while (i < value.length && value[i] !== ';') v += value[i++];
      v = spaceForComments(v).trim();
    }
    if (name && !/[\s"]/.test(name)) params.push({ name, value: v });
  }
  return { head: head.trim(), params };
}

/** `%XX` sequences to bytes, in a charset, as text; anything odd decodes as far as it can. */
function percentDecode(value: string, charset: string): string {
  const bytes = Buffer.from(value.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
  try {
    return decodeCharset(bytes, charset || 'us-ascii');
  } catch {
    return bytes.toString('latin1');
  }
}

const ATTRIBUTE_CHAR = /[A-Za-z0-9!#$&+\-.^_`|~]/;
const percentEncode = (s: string): string =>
  [...Buffer.from(s, 'latin1')].map((b) => (ATTRIBUTE_CHAR.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');

/**
 * Raw parameters to MimeParams (RFC 2231 §3–§4): `name*N` / `name*N*` sections are ordered and
 * merged; `name*` and `name*0*` carry `charset'language'` then %-encoded bytes. A plain `name`
 * and an RFC 2231 `name*…` for the same name: the first one written wins. Values are binary
 * strings on input; plain values that are valid UTF-8 (RFC 6532) decode as UTF-8.
 */
export function mergeParams(raw: readonly RawParam[]): MimeParam[] {
  type Group = { sections: Array<{ value: string; extended: boolean } | undefined>; order: number };
  const groups = new Map<string, Group | RawParam>();
  for (const p of raw) {
    const m = /^(.+?)\*(?:(\d{1,4})(\*)?)?$/.exec(p.name);
    if (!m) {
      if (!groups.has(p.name)) groups.set(p.name, p);
      continue;
    }
    const base = m[1]!;
    const index = m[2] === undefined ? 0 : Number(m[2]);
    const extended = m[2] === undefined || m[3] === '*';
    let g = groups.get(base);
    if (g === undefined) groups.set(base, (g = { sections: [], order: groups.size }));
    if (!('sections' in g) || index >= MAX_SECTIONS || g.sections[index]) continue;
    g.sections[index] = { value: p.value, extended };
  }
  const out: MimeParam[] = [];
  for (const [name, g] of groups) {
    if (!('sections' in g)) {
      out.push({ name, value: plainText(g.value), wireName: name, wireValue: g.value });
      continue;
    }
    const sections = g.sections.filter((s) => s !== undefined);
    const anyExtended = sections.some((s) => s.extended);
    if (!anyExtended) {
      const joined = sections.map((s) => s.value).join('');
      out.push({ name, value: plainText(joined), wireName: name, wireValue: joined });
      continue;
    }
    let charset = '';
    let language = '';
    let encoded = '';
    sections.forEach((s, k) => {
      let v = s.value;
      if (k === 0 && s.extended) {
        const m = /^([^']*)'([^']*)'(.*)$/s.exec(v);
        if (m) [charset, language, v] = [m[1]!, m[2]!, m[3]!];
      }
      encoded += s.extended ? v : percentEncode(v);
    });
    // an empty charset is "unknown" (RFC 2231 §4); UTF-8 is the likeliest guess
    out.push({ name, value: percentDecode(encoded, charset || 'utf-8'), wireName: `${name}*`, wireValue: `${charset}'${language}'${encoded}` });
  }
  return out;
}

function plainText(s: string): string {
  if (!/[\x80-\xff]/.test(s)) return s;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(s, 'latin1'));
  } catch {
    return s;
  }
}

/** `type/subtype; params` → lower-case type and subtype (undefined when malformed) and params. */
export function parseContentType(value: string): { type?: string; subtype?: string; params: MimeParam[] } {
  const { head, params } = splitStructured(value);
  const m = /^([^\s/()<>@,;:\\"[\]?=]+)\s*\/\s*([^\s/()<>@,;:\\"[\]?=]+)$/.exec(head);
  return m ? { type: m[1]!.toLowerCase(), subtype: m[2]!.toLowerCase(), params: mergeParams(params) } : { params: mergeParams(params) };
}

/** `attachment; filename=x` (RFC 2183) → lower-case type and params; undefined when no type. */
export function parseDisposition(value: string): { type: string; params: MimeParam[] } | undefined {
  const { head, params } = splitStructured(value);
  return head ? { type: head.toLowerCase(), params: mergeParams(params) } : undefined;
}
