/**
 * ENVELOPE (RFC 3501 §7.4.2 / RFC 9051 §7.5.2): date, subject, from, sender, reply-to, to, cc,
 * bcc, in-reply-to, message-id, as a WireValue. Header values are sent as they are in the message
 * (encoded words stay encoded, as the RFC says); sender and reply-to default to from. Addresses
 * are `(name adl mailbox host)`; a group is `(NIL NIL name NIL) … (NIL NIL NIL NIL)`.
 */
import type { WireValue } from '../imap/response.ts';
import { header, type MimePart } from './structure.ts';

/** Splits an address list on commas outside quotes, comments, angle brackets and groups' phrase. */
function splitTopLevel(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let depth = 0;
  let angle = false;
  let group = false; // inside `name: a, b;` commas do not end the item
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && quoted) {
      cur += c + (s[++i] ?? '');
      continue;
    }
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth = Math.max(0, depth - 1);
    else if (!quoted && c === '<') angle = true;
    else if (!quoted && c === '>') angle = false;
    else if (!quoted && depth === 0 && !angle && c === ':' && sep === ',') group = true;
    else if (!quoted && depth === 0 && !angle && c === ';') group = false;
    if (c === sep && !quoted && depth === 0 && !angle && !group) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

const stripComments = (s: string): string => s.replace(/\((?:[^()\\]|\\.)*\)/g, ' ');
function unquote(s: string): string {
  const t = s.trim();
  return t.startsWith('"') && t.endsWith('"') && t.length >= 2 ? t.slice(1, -1).replace(/\\(.)/g, '$1') : t.replace(/\s+/g, ' ');
}

function mailboxValue(text: string): WireValue | undefined {
  const t = text.trim();
  if (!t) return undefined;
  const angle = /^(.*)<([^>]*)>\s*$/s.exec(t);
  let name: string | null = null;
  let addr: string;
  if (angle) {
    const phrase = unquote(stripComments(angle[1]!));
    name = phrase || null;
    addr = angle[2]!.trim().replace(/^@[^:]*:/, ''); // drop a source route
  } else {
    const comment = /\(([^()]*)\)/.exec(t);
    addr = stripComments(t).trim();
    if (comment && comment[1]!.trim()) name = comment[1]!.trim();
  }
  const at = addr.lastIndexOf('@');
  const mailbox = at >= 0 ? addr.slice(0, at) : addr;
  const host = at >= 0 ? addr.slice(at + 1) : null;
  return [name, null, unquote(mailbox) || null, host || null];
}

/** An address header as an ENVELOPE address list, NIL when absent or empty. */
export function addressList(value: string | undefined): WireValue {
  if (!value || !value.trim()) return null;
  const out: WireValue[] = [];
  for (const item of splitTopLevel(value, ',')) {
    const group = /^\s*((?:"(?:[^"\\]|\\.)*"|[^:"<@])*):(.*?);?\s*$/s.exec(item);
    if (group) {
      out.push([null, null, unquote(group[1]!), null]);
      for (const member of splitTopLevel(group[2]!, ',')) {
        const m = mailboxValue(member);
        if (m) out.push(m);
      }
      out.push([null, null, null, null]);
      continue;
    }
    const m = mailboxValue(item);
    if (m) out.push(m);
  }
  return out.length ? [{ concat: out }] : null;
}

export function envelopeValue(msg: Pick<MimePart, 'fields'>): WireValue {
  const h = (n: string): string | null => header(msg, n) ?? null;
  const from = addressList(h('from') ?? undefined);
  const sender = addressList(h('sender') ?? undefined) ?? from;
  const replyTo = addressList(h('reply-to') ?? undefined) ?? from;
  return [h('date'), h('subject'), from, sender, replyTo, addressList(h('to') ?? undefined), addressList(h('cc') ?? undefined), addressList(h('bcc') ?? undefined), h('in-reply-to'), h('message-id')];
}
