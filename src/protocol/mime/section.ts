/**
 * BODY[section]<partial> (RFC 3501 §6.4.5, RFC 9051 §6.4.5): the bytes a section names.
 *   ""            the whole message          HEADER / TEXT   of the message (or of an rfc822 part)
 *   1.2           a part's body (non-multipart message: part 1 is its body)
 *   1.2.MIME      the part's own MIME header  HEADER.FIELDS (A B) / .NOT   selected header lines
 * Returns null for a section that does not exist (FETCH then returns NIL, as servers do).
 * Partial `<o.n>`: bytes o..o+n of the section; empty when o is past its end.
 */
import type { ByteRange, Section } from '../imap/types.ts';
import { parseFields, type MimePart } from './structure.ts';

/** The part a dotted path names; for a message/rfc822 part, a path continues inside its message. */
function resolvePart(root: MimePart, path: number[]): MimePart | undefined {
  let cur: MimePart = root;
  for (let i = 0; i < path.length; i++) {
    const container: MimePart = i > 0 && cur.type === 'message' && cur.message ? cur.message : cur;
    if (container.type === 'multipart') {
      const next = container.parts[path[i]! - 1];
      if (!next) return undefined;
      cur = next;
    } else if (path[i] === 1) {
      cur = container; // a single-part message: part 1 is its body
    } else return undefined;
  }
  return cur;
}

function headerLines(raw: Buffer, start: number, end: number): string[] {
  const text = raw.toString('latin1', start, end);
  const lines: string[] = [];
  for (const line of text.split(/(?<=\n)/)) {
    if (/^[ \t]/.test(line) && lines.length) lines[lines.length - 1] += line;
    else if (line.trim() !== '') lines.push(line);
  }
  return lines;
}

export function sectionBytes(raw: Buffer, root: MimePart, section: Section, partial?: ByteRange): Buffer | null {
  const data = sectionWhole(raw, root, section);
  if (data === null || !partial) return data;
  return data.subarray(Math.min(partial.offset, data.length), Math.min(data.length, partial.offset + partial.length));
}

function sectionWhole(raw: Buffer, root: MimePart, section: Section): Buffer | null {
  if (section.part.length === 0 && !section.text) return raw;
  const part = section.part.length ? resolvePart(root, section.part) : root;
  if (!part) return null;
  if (!section.text) return raw.subarray(part.bodyStart, part.end);
  if (section.text === 'MIME') return raw.subarray(part.headerStart, part.bodyStart);
  // HEADER / TEXT / HEADER.FIELDS of a message: the root, or the message inside an rfc822 part
  const msg = section.part.length === 0 ? root : part.type === 'message' && part.message ? part.message : undefined;
  if (!msg) return null;
  if (section.text === 'TEXT') return raw.subarray(msg.bodyStart, msg.end);
  if (section.text === 'HEADER') return raw.subarray(msg.headerStart, msg.bodyStart);
  if (section.text !== 'HEADER.FIELDS' && section.text !== 'HEADER.FIELDS.NOT') return null;
  const wanted = new Set(section.fields.map((f) => f.toLowerCase()));
  const keep = section.text === 'HEADER.FIELDS';
  const lines = headerLines(raw, msg.headerStart, msg.bodyStart).filter((l) => {
    const name = parseFields(l)[0]?.name.toLowerCase();
    return name !== undefined && wanted.has(name) === keep;
  });
  return Buffer.from(`${lines.map((l) => l.replace(/\r?\n$/, '')).join('\r\n')}${lines.length ? '\r\n' : ''}\r\n`, 'latin1');
}
