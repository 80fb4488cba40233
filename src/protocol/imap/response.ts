/**
 * Server responses (RFC 3501 §7, RFC 9051 §7): status responses, continuation requests and the
 * generic untagged-data form that response-data.ts builds on.
 *
 *   response-tagged = tag SP ("OK" / "NO" / "BAD") SP resp-text CRLF
 *   response-untagged = "*" SP (("OK" / "NO" / "BAD" / "PREAUTH" / "BYE") SP resp-text / data) CRLF
 *   continue-req    = "+" SP (resp-text / base64) CRLF
 *   resp-text       = ["[" resp-text-code "]" SP] text
 *
 * Every function returns the complete bytes of one response, CRLF included. Human text is made
 * safe rather than rejected: CR, LF and NUL become spaces, non-ASCII becomes `?` unless UTF-8 is
 * enabled, and empty text gets a generic word (RFC 3501 text is 1*TEXT-CHAR). Values that have no
 * wire form (an invalid tag or atom) throw RangeError: they are programming errors.
 */
import { isFlag, isTag } from './chars.ts';
import { writeResponseCode, type ResponseCode } from './response-codes.ts';
import { WireWriter } from './wire-writer.ts';

export type { ResponseCode } from './response-codes.ts';
export type TaggedStatus = 'OK' | 'NO' | 'BAD';
export type UntaggedStatus = TaggedStatus | 'PREAUTH' | 'BYE';

export interface ResponseOptions {
  /** UTF8=ACCEPT enabled: mailbox names go out as UTF-8, quoted strings and text may carry UTF-8. */
  utf8?: boolean;
}

/**
 * A value inside untagged data: null → NIL, number → number, string → quoted or literal
 * (never an atom), Buffer → literal, `{ atom }` → verbatim atom or flag, array → parenthesised list,
 * `{ concat }` → its (parenthesised) items with no space between them, as `1*body` in a multipart
 * BODYSTRUCTURE and `1*address` in an ENVELOPE require (RFC 3501 §9).
 */
export type WireValue = null | number | string | Buffer | { atom: string } | { concat: WireValue[] } | WireValue[];

const DEFAULT_TEXT: Record<UntaggedStatus, string> = { OK: 'completed', NO: 'failed', BAD: 'invalid', PREAUTH: 'ready', BYE: 'closing' };

export function serverWriter(options: ResponseOptions = {}): WireWriter {
  return new WireWriter({ role: 'server', utf8: options.utf8 === true });
}

function safeText(text: string, utf8: boolean): string {
  const clean = text.replace(/[\r\n\0]/g, ' ');
  return utf8 ? clean.replace(/[\ud800-\udfff]/g, '?') : clean.replace(/[^\x20-\x7e]/g, '?');
}

function writeRespText(w: WireWriter, status: UntaggedStatus, text: string, code: ResponseCode | undefined): void {
  if (code !== undefined) {
    writeResponseCode(w, code);
    w.sp();
  }
  const t = safeText(text, w.options.utf8 === true);
  w.raw(t.length > 0 ? t : DEFAULT_TEXT[status]);
}

/** `<tag> OK|NO|BAD [code] text` */
export function taggedResponse(tag: string, status: TaggedStatus, text: string, code?: ResponseCode, options?: ResponseOptions): Buffer {
  if (!isTag(tag)) throw new RangeError(`invalid tag ${JSON.stringify(tag)}`);
  const w = serverWriter(options).raw(`${tag} ${status} `);
  writeRespText(w, status, text, code);
  return w.crlf().toBuffer();
}

/** `* OK|NO|BAD|PREAUTH|BYE [code] text` */
export function untaggedStatus(status: UntaggedStatus, text: string, code?: ResponseCode, options?: ResponseOptions): Buffer {
  const w = serverWriter(options).raw(`* ${status} `);
  writeRespText(w, status, text, code);
  return w.crlf().toBuffer();
}

/** `+ text` — e.g. after a synchronising literal header (the reader's `continue` event). */
export function continuation(text = 'Ready for literal data'): Buffer {
  const w = serverWriter().raw('+ ');
  w.raw(safeText(text, false) || 'Ready');
  return w.crlf().toBuffer();
}

/** `+ <base64>` — a SASL challenge (RFC 3501 §6.2.2); an empty challenge is `+ ` with nothing after. */
export function continuationData(data: Buffer): Buffer {
  return Buffer.from(`+ ${data.toString('base64')}\r\n`, 'latin1');
}

export function writeValue(w: WireWriter, v: WireValue): void {
  if (v === null) w.raw('NIL');
  else if (typeof v === 'number') w.number(v);
  else if (typeof v === 'string') w.string(v);
  else if (Buffer.isBuffer(v)) w.literal(v);
  else if (Array.isArray(v)) w.list(v, (x) => writeValue(w, x));
  else if ('concat' in v) for (const x of v.concat) writeValue(w, x);
  else if (isFlag(v.atom)) w.raw(v.atom);
  else throw new RangeError(`not an atom: ${JSON.stringify(v.atom)}`);
}

/** `* v1 v2 …` — the general form of untagged data; prefer the builders in response-data.ts. */
export function untaggedData(values: readonly WireValue[], options?: ResponseOptions): Buffer {
  const w = serverWriter(options).raw('*');
  for (const v of values) {
    w.sp();
    writeValue(w, v);
  }
  return w.crlf().toBuffer();
}
