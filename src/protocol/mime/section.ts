/**
 * BODY[section]<partial> (RFC 3501 §6.4.5, RFC 9051 §6.4.5): the bytes a section names.
 *   []                    the whole message            [HEADER] [TEXT]   of the message
 *   [1.2]                 a part's body (a non-multipart message's part 1 is its body; the body
 *                         of a message/rfc822 part is the whole encapsulated message)
 *   [1.2.MIME]            the part's own MIME header
 *   [1.2.HEADER] [1.2.TEXT] [1.2.HEADER.FIELDS (A B)] [… .NOT (A B)]
 *                         of the message inside a message/rfc822 part 1.2; part numbers after a
 *                         message/rfc822 part number the parts of its message
 * RFC822.HEADER and RFC822.TEXT are [HEADER] and [TEXT].
 *
 * Returns null for a section that does not exist (FETCH sends NIL, as Dovecot and Cyrus do), or
 * HEADER/TEXT of a part that is not message/rfc822. Sections are views into `raw` except
 * HEADER.FIELDS[.NOT], built from the matching field lines as written (folding kept), each ended
 * by a line break, then the blank line (CRLF). Partial `<o.n>`: octets o … o+n-1 of the section,
 * fewer at its end, empty when o is past it.
 */
import type { ByteRange, Section } from '../imap/types.ts';
import type { MimeMessage, MimePart } from './types.ts';

/**
 * The part a non-empty path names, or undefined. Each number addresses the parts of an entity:
 * the top-level message first, then the part just named when it is a multipart, or the message a
 * message/rfc822 part encapsulates (RFC 3501 §6.4.5: 4.2 is a message/rfc822 part, 4.2.1 the
 * first part of its message). Part 1 of an entity that is not multipart is its body, the entity
 * itself; that holds for the top-level message too, message/rfc822 or not.
 */
export function resolvePart(root: MimeMessage, path: readonly number[]): MimePart | undefined {
  let cur: MimePart = root;
  for (let i = 0; i < path.length; i++) {
    let container: MimePart = cur;
    if (i > 0 && cur.type !== 'multipart') {
      if (cur.type !== 'message' || !cur.message) return undefined;
      container = cur.message;
    }
    const n = path[i]!;
    if (container.type === 'multipart') {
      const next = container.parts[n - 1];
      if (!next) return undefined;
      cur = next;
    } else if (n === 1) cur = container;
    else return undefined;
  }
  return cur;
}

export function sectionBytes(raw: Buffer, msg: MimeMessage, section: Section, partial?: ByteRange): Buffer | null {
  const data = whole(raw, msg, section);
  if (data === null || partial === undefined) return data;
  const from = Math.min(partial.offset, data.length);
  return data.subarray(from, Math.min(data.length, from + partial.length));
}

function whole(raw: Buffer, msg: MimeMessage, section: Section): Buffer | null {
  const part = section.part.length ? resolvePart(msg, section.part) : msg;
  if (!part) return null;
  if (section.text === undefined) return section.part.length ? raw.subarray(part.bodyStart, part.end) : raw;
  if (section.text === 'MIME') return section.part.length ? raw.subarray(part.headerStart, part.bodyStart) : null;
  const target = section.part.length === 0 ? msg : part.message;
  if (!target) return null;
  switch (section.text) {
    case 'HEADER':
      return raw.subarray(target.headerStart, target.bodyStart);
    case 'TEXT':
      return raw.subarray(target.bodyStart, target.end);
    default:
      return headerFields(raw, target, 'fields' in section ? section.fields : [], section.text === 'HEADER.FIELDS');
  }
}

/** The fields named (keep) or not named (!keep), in message order, then the blank line. */
function headerFields(raw: Buffer, part: MimePart, names: readonly string[], keep: boolean): Buffer {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const chunks: Buffer[] = [];
  for (const f of part.fields) {
    if (wanted.has(f.name.toLowerCase()) !== keep) continue;
    const bytes = raw.subarray(f.start, f.end);
    chunks.push(bytes);
    if (bytes[bytes.length - 1] !== 0x0a) chunks.push(CRLF);
  }
  chunks.push(CRLF);
  return Buffer.concat(chunks);
}

const CRLF = Buffer.from('\r\n');
