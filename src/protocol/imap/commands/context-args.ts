/**
 * CANCELUPDATE (RFC 5267 §4.2, §5):
 *
 *   cancelupdate = "CANCELUPDATE" 1*(SP quoted)
 *
 * Each quoted string is the tag of a SEARCH / SORT that asked for RETURN (UPDATE). Literals are
 * accepted too (a string is a string); the serializer writes quoted strings.
 */
import { SP } from '../chars.ts';
import type { Scanner } from '../lexer.ts';
import type { CancelUpdateCommand } from '../types.ts';
import type { WireWriter } from '../wire-writer.ts';
import type { ParseContext } from './common.ts';

export function parseCancelUpdate(s: Scanner, ctx: ParseContext): CancelUpdateCommand {
  const tags: string[] = [];
  do {
    s.sp();
    tags.push(s.string());
  } while (s.peek() === SP);
  return { tag: ctx.tag, name: 'CANCELUPDATE', tags };
}

export function writeCancelUpdate(w: WireWriter, c: CancelUpdateCommand): void {
  if (c.tags.length === 0) throw new RangeError('CANCELUPDATE needs a tag');
  for (const t of c.tags) w.sp().string(t);
}
