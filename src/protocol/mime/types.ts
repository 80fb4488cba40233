/**
 * The parsed structure of a stored message (RFC 5322 header, RFC 2045/2046 MIME parts), with byte
 * offsets into the raw message so that FETCH can slice sections without copying or re-parsing.
 *
 * Header text is kept as "binary strings": one char per byte (latin1), so that raw 8-bit headers
 * (RFC 6532 UTF-8, or undeclared legacy charsets) survive byte for byte into ENVELOPE and
 * BODYSTRUCTURE literals. Decoded Unicode text is only produced for SEARCH (decode.ts).
 */

/** One header field. `value` is unfolded (RFC 5322 §2.2.3: line breaks before WSP removed) and trimmed. */
export interface HeaderField {
  /** As written (case kept), without trailing white space before the colon. */
  readonly name: string;
  readonly value: string;
  /** The whole field in the raw message, [start, end), its final line break included when present. */
  readonly start: number;
  readonly end: number;
}

/**
 * A Content-Type or Content-Disposition parameter. RFC 2231 continuations (`name*0`, `name*1*`) are
 * merged into one parameter.
 */
export interface MimeParam {
  /** Lower case, without the RFC 2231 `*` / `*N` suffixes. */
  readonly name: string;
  /** Unicode: RFC 2231 charsets and percent-encoding decoded, quotes removed. */
  readonly value: string;
  /**
   * As BODYSTRUCTURE sends it (Dovecot's form): continuations merged; an extended value keeps its
   * `name*` and `charset'lang'%XX` encoding, so the wire stays 7-bit and clients decode it.
   */
  readonly wireName: string;
  readonly wireValue: string;
}

export interface MimeDisposition {
  /** Lower case: `inline`, `attachment`, … */
  readonly type: string;
  readonly params: readonly MimeParam[];
}

/** A MIME entity: the message itself, a part of a multipart, or the message inside message/rfc822. */
export interface MimePart {
  /** Header block [headerStart, bodyStart): the fields and the blank line that ends them, if any. */
  readonly headerStart: number;
  /** Body [bodyStart, end). A part of a multipart ends before the line break of the next delimiter. */
  readonly bodyStart: number;
  readonly end: number;
  /** The raw header block (a view into the message, not a copy). */
  readonly header: Buffer;
  readonly fields: readonly HeaderField[];
  /** Lower case; text/plain when Content-Type is missing or invalid (message/rfc822 in a digest). */
  readonly type: string;
  readonly subtype: string;
  readonly params: readonly MimeParam[];
  /** Header values as written (binary strings, unfolded); undefined when the field is absent. */
  readonly contentId?: string;
  readonly description?: string;
  /** Content-Transfer-Encoding, lower case; undefined = 7bit by default (RFC 2045 §6.1). */
  readonly encoding?: string;
  readonly disposition?: MimeDisposition;
  readonly language?: readonly string[];
  readonly location?: string;
  readonly md5?: string;
  /** Lines in the body: line feeds, plus one for a last line without a line break. */
  readonly lines: number;
  /** Children of a multipart (at least one: an empty text/plain part is made up when none is found). */
  readonly parts: readonly MimePart[];
  /** The encapsulated message of a message/rfc822 (or message/global) part. */
  readonly message?: MimePart;
}

/** The top-level entity: the message's header is its RFC 5322 header. */
export type MimeMessage = MimePart;
