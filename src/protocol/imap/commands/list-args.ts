/**
 * LIST and LSUB arguments (RFC 3501 §6.3.8–6.3.9), with LIST-EXTENDED (RFC 5258 §3, §6),
 * SPECIAL-USE (RFC 6154 §6) and LIST-STATUS (RFC 5819 §4):
 *
 *   lsub = "LSUB" SP mailbox SP list-mailbox
 *   list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]
 *   list-select-opts = "(" [list-select-opt *(SP list-select-opt)] ")"
 *   list-select-opt  = "SUBSCRIBED" / "REMOTE" / "RECURSIVEMATCH" / "SPECIAL-USE"
 *   mbox-or-pat      = list-mailbox / "(" list-mailbox *(SP list-mailbox) ")"
 *   list-return-opts = "RETURN" SP "(" [return-option *(SP return-option)] ")"
 *   return-option    = "SUBSCRIBED" / "CHILDREN" / "SPECIAL-USE"
 *                    / "STATUS" SP "(" status-att *(SP status-att) ")"
 *
 * Option names are case-insensitive and come out upper-cased. Unknown options fail SYNTAX (a
 * BAD reply), as RFC 5258 §3 requires of servers; so does RECURSIVEMATCH without SUBSCRIBED or
 * SPECIAL-USE (§3.1 note 4: never alone, nor only with REMOTE). Dovecot also accepts it with
 * SPECIAL-USE, whose CHILDINFO then names SPECIAL-USE.
 */
import { SP } from '../chars.ts';
import type { Scanner } from '../lexer.ts';
import { encodeMutf7 } from '../mutf7.ts';
import { LIST_RETURN_OPTIONS, LIST_SELECTION_OPTIONS, type ListCommand, type ListReturnOption, type ListSelectionOption } from '../types.ts';
import type { WireWriter } from '../wire-writer.ts';
import { parseKeyword, parseListMailbox, parseMailbox, type ParseContext } from './common.ts';
import { parseStatusItem } from './mailbox-args.ts';

const OPEN = 0x28;

function parseSelectionOption(s: Scanner): ListSelectionOption {
  const option = parseKeyword(s, 'LIST selection option');
  if (!(LIST_SELECTION_OPTIONS as readonly string[]).includes(option)) s.fail(`Unknown LIST selection option ${option.slice(0, 32)}`);
  return option as ListSelectionOption;
}

function parseSelection(s: Scanner): ListSelectionOption[] {
  const selection = s.list(() => parseSelectionOption(s), true);
  if (selection.includes('RECURSIVEMATCH') && !selection.some((o) => o === 'SUBSCRIBED' || o === 'SPECIAL-USE')) {
    s.fail('RECURSIVEMATCH needs the SUBSCRIBED or SPECIAL-USE selection option');
  }
  return selection;
}

function parseReturnOption(s: Scanner): ListReturnOption {
  const option = parseKeyword(s, 'LIST return option');
  if (!(LIST_RETURN_OPTIONS as readonly string[]).includes(option)) s.fail(`Unknown LIST return option ${option.slice(0, 32)}`);
  if (option !== 'STATUS') return { option: option as Exclude<ListReturnOption['option'], 'STATUS'> };
  s.sp();
  return { option, items: s.list(() => parseStatusItem(s), false) };
}

function parseReturn(s: Scanner): ListReturnOption[] {
  if (parseKeyword(s, 'RETURN') !== 'RETURN') s.fail('Expected RETURN');
  s.sp();
  return s.list(() => parseReturnOption(s), true);
}

export function parseList(name: 'LIST' | 'LSUB'): (s: Scanner, ctx: ParseContext) => ListCommand {
  return (s, ctx) => {
    s.sp();
    const extended = name === 'LIST';
    const selection = extended && s.peek() === OPEN ? parseSelection(s) : undefined;
    if (selection) s.sp();
    const reference = parseMailbox(s, ctx);
    s.sp();
    const patterns = extended && s.peek() === OPEN ? s.list(() => parseListMailbox(s, ctx), false) : [parseListMailbox(s, ctx)];
    const returnOptions = extended && s.accept(SP) ? parseReturn(s) : undefined;
    return { tag: ctx.tag, name, reference, patterns, ...(selection ? { selection } : {}), ...(returnOptions ? { returnOptions } : {}) };
  };
}

/** Throws RangeError for LSUB with LIST-EXTENDED parts, or for no pattern. */
export function writeList(w: WireWriter, c: ListCommand): void {
  if (c.name === 'LSUB' && (c.selection || c.returnOptions || c.patterns.length !== 1)) throw new RangeError('LSUB has no extended syntax');
  if (c.patterns.length === 0) throw new RangeError('LIST needs a pattern');
  if (c.selection) w.sp().list(c.selection, (o) => w.atom(o));
  w.sp().mailbox(c.reference).sp();
  const pattern = (p: string): void => void w.listMailbox(w.options.utf8 ? p : encodeMutf7(p));
  if (c.patterns.length === 1) pattern(c.patterns[0]!);
  else w.list(c.patterns, pattern);
  if (c.returnOptions) {
    w.raw(' RETURN ').list(c.returnOptions, (o) => {
      w.atom(o.option);
      if (o.option === 'STATUS') w.sp().list(o.items, (i) => w.atom(i));
    });
  }
}
