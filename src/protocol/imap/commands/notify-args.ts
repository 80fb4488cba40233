/**
 * NOTIFY (RFC 5465 §8, the formal syntax):
 *
 *   notify          = "NOTIFY" SP (notify-set / "NONE")
 *   notify-set      = "SET" [SP "(" "STATUS" ")"] SP event-group *(SP event-group)
 *   event-group     = "(" filter-mailboxes SP events ")"
 *   filter-mailboxes = "SELECTED" / "SELECTED-DELAYED" / "INBOXES" / "PERSONAL" / "SUBSCRIBED" /
 *                     ("SUBTREE" / "MAILBOXES") SP (mailbox / "(" mailbox *(SP mailbox) ")")
 *   events          = "(" event *(SP event) ")" / "NONE"
 *   event           = "MessageNew" [SP "(" fetch-att *(SP fetch-att) ")"] / "MessageExpunge" /
 *                     "FlagChange" / "AnnotationChange" / "MailboxName" / "SubscriptionChange" /
 *                     "MailboxMetadataChange" / "ServerMetadataChange" / atom
 *
 * Filter names and events are case-insensitive: filters come out upper-cased, events in the RFC's
 * spelling when known (an unknown event keeps its spelling: the handler answers BADEVENT). The
 * handler checks the rules the grammar cannot (§5: MessageNew and MessageExpunge together, …).
 */
import { SP } from '../chars.ts';
import type { Scanner } from '../lexer.ts';
import type { NotifyCommand, NotifyEvent, NotifyFilter, NotifyGroup } from '../types.ts';
import type { WireWriter } from '../wire-writer.ts';
import { parseKeyword, parseMailbox, type ParseContext } from './common.ts';
import { parseFetchAtt, writeFetchAtt } from './fetch-args.ts';

export const NOTIFY_EVENTS = ['MessageNew', 'MessageExpunge', 'FlagChange', 'AnnotationChange', 'MailboxName', 'SubscriptionChange', 'MailboxMetadataChange', 'ServerMetadataChange'] as const;
const BY_UPPER = new Map<string, string>(NOTIFY_EVENTS.map((e) => [e.toUpperCase(), e]));
const PLAIN_FILTERS: ReadonlySet<string> = new Set(['SELECTED', 'SELECTED-DELAYED', 'INBOXES', 'PERSONAL', 'SUBSCRIBED']);

export function parseNotify(s: Scanner, ctx: ParseContext): NotifyCommand {
  s.sp();
  const word = parseKeyword(s, 'NOTIFY SET or NONE');
  if (word === 'NONE') return { tag: ctx.tag, name: 'NOTIFY', set: null };
  if (word !== 'SET') s.fail('Expected SET or NONE');
  s.sp();
  let status = false;
  const groups: NotifyGroup[] = [];
  if (s.peek() === 0x28) {
    // `(STATUS)` or the first event group: both start with "("
    s.expect(0x28, '(');
    const first = parseKeyword(s, 'STATUS or filter');
    if (first === 'STATUS') {
      s.expect(0x29, ')');
      status = true;
      s.sp();
    } else groups.push(groupAfterFilterWord(s, ctx, first));
  }
  if (groups.length === 0) groups.push(parseGroup(s, ctx));
  while (s.accept(SP)) groups.push(parseGroup(s, ctx));
  return { tag: ctx.tag, name: 'NOTIFY', set: { status, groups } };
}

function parseGroup(s: Scanner, ctx: ParseContext): NotifyGroup {
  s.expect(0x28, '(');
  return groupAfterFilterWord(s, ctx, parseKeyword(s, 'filter'));
}

/** The rest of an event group once "(" and its filter word are read, up to and including ")". */
function groupAfterFilterWord(s: Scanner, ctx: ParseContext, word: string): NotifyGroup {
  let filter: NotifyFilter;
  if (PLAIN_FILTERS.has(word)) filter = { kind: word as Exclude<NotifyFilter['kind'], 'SUBTREE' | 'MAILBOXES'> };
  else if (word === 'SUBTREE' || word === 'MAILBOXES') {
    s.sp();
    const mailboxes = s.peek() === 0x28 ? s.list(() => parseMailbox(s, ctx), false) : [parseMailbox(s, ctx)];
    filter = { kind: word, mailboxes };
  } else return s.fail('Unknown NOTIFY filter');
  s.sp();
  let events: NotifyEvent[] | null;
  if (s.peek() === 0x28) events = parseEvents(s);
  else if (parseKeyword(s, 'events') === 'NONE') events = null;
  else return s.fail('Expected events or NONE');
  s.expect(0x29, ')');
  return { filter, events };
}

/** `(event *(SP event))`, where MessageNew may be followed by `SP (fetch-att…)`. */
function parseEvents(s: Scanner): NotifyEvent[] {
  s.expect(0x28, '(');
  const events: NotifyEvent[] = [parseEvent(s)];
  while (s.accept(SP)) {
    const last = events[events.length - 1]!;
    if (s.peek() === 0x28) {
      if (last.name !== 'MessageNew' || last.fetch) s.fail('Fetch attributes belong to MessageNew');
      last.fetch = s.list(() => parseFetchAtt(s), false);
    } else events.push(parseEvent(s));
  }
  s.expect(0x29, ')');
  return events;
}

function parseEvent(s: Scanner): NotifyEvent {
  const raw = s.atom('event');
  return { name: BY_UPPER.get(raw.toUpperCase()) ?? raw };
}

export function writeNotify(w: WireWriter, c: NotifyCommand): void {
  if (c.set === null) {
    w.raw(' NONE');
    return;
  }
  if (c.set.groups.length === 0) throw new RangeError('NOTIFY SET needs an event group');
  w.raw(' SET');
  if (c.set.status) w.raw(' (STATUS)');
  for (const g of c.set.groups) {
    w.raw(' (').raw(g.filter.kind);
    if (g.filter.kind === 'SUBTREE' || g.filter.kind === 'MAILBOXES') w.sp().list(g.filter.mailboxes, (m) => w.mailbox(m));
    w.sp();
    if (g.events === null) w.raw('NONE');
    else {
      w.list(g.events, (e) => {
        w.atom(e.name);
        if (e.fetch) w.sp().list(e.fetch, (a) => writeFetchAtt(w, a));
      });
    }
    w.raw(')');
  }
}
