/**
 * BINARY[section-part] (RFC 3516 §4.2): a part's content with its Content-Transfer-Encoding
 * undone, for FETCH BINARY / BINARY.PEEK / BINARY.SIZE.
 *   []        the whole message, as stored (no encoding applies to a message as a whole)
 *   [1.2]     a leaf part's body decoded: base64 and quoted-printable are decoded; 7bit, 8bit,
 *             binary and no CTE are the body as stored. A multipart or message/rfc822 part
 *             (whose CTE can only be an identity one, RFC 2045 §6.4) is its body as stored.
 * Returns null for a part that does not exist (FETCH sends NIL, as for BODY[]), and
 * `{ unknownCte }` for an encoding this server cannot undo (the server answers NO [UNKNOWN-CTE]).
 * Decoding is tolerant, as decode.ts's: characters outside the base64 alphabet are skipped, a
 * malformed `=` sequence of quoted-printable stays as written.
 */
import { decodeQuotedPrintable } from './decode.ts';
import { resolvePart } from './section.ts';
import type { MimeMessage } from './types.ts';

const IDENTITY = new Set(['7bit', '8bit', 'binary']);

export type BinaryContent = Buffer | null | { unknownCte: string };

export function binaryContent(raw: Buffer, msg: MimeMessage, path: readonly number[]): BinaryContent {
  if (path.length === 0) return raw;
  const part = resolvePart(msg, path);
  if (!part) return null;
  const body = raw.subarray(part.bodyStart, part.end);
  if (part.type === 'multipart' || part.message) return body;
  const cte = part.encoding?.toLowerCase();
  if (cte === undefined || IDENTITY.has(cte)) return body;
  if (cte === 'base64') return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
  if (cte === 'quoted-printable') return decodeQuotedPrintable(body);
  return { unknownCte: cte };
}
