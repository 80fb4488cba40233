/**
 * The per-message values SORT (RFC 5256 §3, SORT=DISPLAY RFC 5957 §3) and THREAD compare, read
 * from a message's header fields. Pure; never throws on malformed mail.
 *
 * - address keys (CC FROM TO): the addr-mailbox of the first address, upper-cased ("" if none);
 * - display keys (DISPLAYFROM DISPLAYTO): the decoded display-name of the first address, or its
 *   addr-spec when it has none, upper-cased;
 * - sent date: the Date header as milliseconds since the epoch (its zone applied), or undefined
 *   when it is missing or cannot be parsed (the caller falls back to INTERNALDATE, RFC 5256 §2.2).
 */
import { parseAddressList, type EnvelopeAddress } from './address.ts';
import { decodeHeaderValue } from './decode.ts';
import { fieldValue } from './header.ts';
import type { HeaderField } from './types.ts';

function firstAddress(fields: readonly HeaderField[], name: string): EnvelopeAddress | undefined {
  const value = fieldValue(fields, name);
  if (value === undefined) return undefined;
  return parseAddressList(value).find((a) => a.host !== null && a.mailbox !== null);
}

/** RFC 5256 §3 "addr-mailbox of the first [header] address", for i;ascii-casemap comparison. */
export function addressKey(fields: readonly HeaderField[], name: 'From' | 'To' | 'Cc'): string {
  return (decodeHeaderValue(firstAddress(fields, name)?.mailbox ?? '')).toUpperCase().normalize('NFKD');
}

/** RFC 5957 §3: display-name of the first address, or its addr-spec when it has no (or an empty) one. */
export function displayKey(fields: readonly HeaderField[], name: 'From' | 'To'): string {
  const a = firstAddress(fields, name);
  if (!a) return '';
  const display = a.name === null ? '' : decodeHeaderValue(a.name).trim();
  return (display || `${decodeHeaderValue(a.mailbox ?? '')}@${decodeHeaderValue(a.host ?? '')}`).toUpperCase().normalize('NFKD');
}

/** The Date header as epoch milliseconds, or undefined (RFC 5256 §2.2). */
export function sentDate(fields: readonly HeaderField[]): number | undefined {
  const value = fieldValue(fields, 'Date');
  if (value === undefined) return undefined;
  const text = value.replace(/\([^()]*\)/g, ' ').replace(/\s+/g, ' ').trim();
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}
