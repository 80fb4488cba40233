/**
 * ENVELOPE (RFC 3501 §7.4.2, RFC 9051 §7.5.2):
 *   envelope = "(" env-date SP env-subject SP env-from SP env-sender SP env-reply-to SP env-to SP
 *              env-cc SP env-bcc SP env-in-reply-to SP env-message-id ")"
 *   address  = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")"
 * Values are the header fields as written (first occurrence, unfolded): encoded words are not
 * decoded, 8-bit bytes go out as literals of the same bytes. Sender and Reply-To default to From
 * when absent or empty (RFC 3501: "the server MUST set"). A field absent is NIL; present but empty
 * is "" for date, subject, in-reply-to and message-id (as Dovecot), NIL for an address list.
 */
import type { WireValue } from '../imap/response.ts';
import { parseAddressList } from './address.ts';
import { fieldValue } from './header.ts';
import type { MimePart } from './types.ts';

/** A binary string as an IMAP string: quoted when 7-bit, else a literal of its bytes. */
export function nstring(s: string | null | undefined): WireValue {
  if (s === null || s === undefined) return null;
  return /[\x80-\xff]/.test(s) ? Buffer.from(s, 'latin1') : s;
}

function addresses(value: string | undefined): WireValue {
  if (value === undefined) return null;
  const list = parseAddressList(value);
  if (list.length === 0) return null;
  return [{ concat: list.map((a) => [nstring(a.name), nstring(a.route), nstring(a.mailbox), nstring(a.host)]) }];
}

export function envelopeValue(msg: Pick<MimePart, 'fields'>): WireValue {
  const h = (name: string): string | undefined => fieldValue(msg.fields, name);
  const from = addresses(h('from'));
  return [
    nstring(h('date')),
    nstring(h('subject')),
    from,
    addresses(h('sender')) ?? from,
    addresses(h('reply-to')) ?? from,
    addresses(h('to')),
    addresses(h('cc')),
    addresses(h('bcc')),
    nstring(h('in-reply-to')),
    nstring(h('message-id')),
  ];
}
