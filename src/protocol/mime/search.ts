/**
 * SEARCH keys (RFC 3501 §6.4.4, RFC 9051 §6.4.4) evaluated on one message.
 *
 * Laziness: keys on flags, UIDs, sequence numbers, size and internal date never call
 * ctx.message(); AND evaluates those first and stops at the first miss, OR at the first hit.
 * Text keys: case-insensitive substring of the decoded text (decode.ts). HEADER with an empty
 * string matches when the field is present. `$` (SEARCHRES, RFC 5182) matches the UIDs the caller
 * saved in ctx.saved (none when absent).
 *
 * Dates: BEFORE/ON/SINCE compare the calendar day of the internal date in UTC (RFC 3501 leaves
 * the zone to the server; UTC keeps every node of the cluster alike). SENTBEFORE/SENTON/SENTSINCE
 * compare the day written in the Date: header, disregarding time and zone as RFC 3501 says; a
 * message without a readable Date: header matches none of them.
 *
 * Fails only when ctx.message() rejects (e.g. the message was expunged meanwhile).
 */
import type { SearchDate, SearchKey } from '../imap/types.ts';
import { sequenceSetHas } from '../imap/sequence-set.ts';
import { decodedBodyText, decodedHeader, decodeHeaderValue } from './decode.ts';
import { parseAddressList } from './address.ts';
import { fieldValue } from './header.ts';
import type { MimeMessage } from './types.ts';

export interface SearchContext {
  /** Message sequence number and UID, and the highest of each in the mailbox (for `*`). */
  seq: number;
  uid: number;
  maxSeq: number;
  maxUid: number;
  flags: ReadonlySet<string>;
  /** The session sees the message as \Recent. */
  recent: boolean;
  /** RFC822.SIZE. */
  size: number;
  internalDate: Date;
  /** UIDs of the saved search result `$` (RFC 5182 SEARCHRES); absent = empty. */
  saved?: ReadonlySet<number>;
  /** RFC 7162 mod-sequence (SEARCH MODSEQ); absent counts as 0, which only `MODSEQ 0` matches. */
  modseq?: number;
  /** Raw bytes and their parse; called at most once per matchesSearch, and only when a key needs them. */
  message: () => Promise<{ raw: Buffer; mime: MimeMessage }>;
}

const SYSTEM_FLAG: Record<string, string> = { ANSWERED: '\\Answered', DELETED: '\\Deleted', DRAFT: '\\Draft', FLAGGED: '\\Flagged', SEEN: '\\Seen' };

const hasFlag = (flags: ReadonlySet<string>, flag: string): boolean => {
  if (flags.has(flag)) return true;
  const f = flag.toLowerCase(); // flags and keywords are case-insensitive (RFC 3501 §2.3.2)
  for (const x of flags) if (x.toLowerCase() === f) return true;
  return false;
};

const contains = (hay: string, needle: string): boolean => hay.toLowerCase().includes(needle.toLowerCase());

const dayNumber = (d: SearchDate): number => Date.UTC(d.year, d.month - 1, d.day) / 86_400_000;

function compareDay(day: number, key: string, want: SearchDate): boolean {
  const w = dayNumber(want);
  if (key.endsWith('BEFORE')) return day < w;
  if (key.endsWith('ON')) return day === w;
  return day >= w; // SINCE: on or after
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** The calendar day written in a Date: header (RFC 5322 §3.3, obs-year §4.3), or undefined. */
export function sentDay(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  // white space runs are one space first: `\s*[- ]\s*` splits a long run every way before failing
  const m = /(\d{1,2})\s*[- ]\s*([A-Za-z]{3})[A-Za-z]*\.?\s*[- ]\s*(\d{2,4})\b/.exec(value.replace(/\s+/g, ' '));
  if (m) {
    const month = MONTHS.indexOf(m[2]!.toLowerCase());
    let year = Number(m[3]);
    if (m[3]!.length === 2) year += year < 50 ? 2000 : 1900;
    else if (m[3]!.length === 3) year += 1900;
    if (month >= 0) return Date.UTC(year, month, Number(m[1])) / 86_400_000;
  }
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : Math.floor(t / 86_400_000);
}

/** Whether evaluating `key` needs the message bytes. */
function needsMessage(key: SearchKey): boolean {
  switch (key.key) {
    case 'NOT':
      return needsMessage(key.operand);
    case 'OR':
      return needsMessage(key.left) || needsMessage(key.right);
    case 'AND':
      return key.operands.some(needsMessage);
    case 'BCC': case 'BODY': case 'CC': case 'FROM': case 'SUBJECT': case 'TEXT': case 'TO':
    case 'HEADER': case 'SENTBEFORE': case 'SENTON': case 'SENTSINCE':
      return true;
    default:
      return false;
  }
}

/** A leaf key that needsMessage says false for. */
function matchesCheap(key: SearchKey, ctx: SearchContext): boolean {
  switch (key.key) {
    case 'ALL': return true;
    case 'NEW': return ctx.recent && !hasFlag(ctx.flags, '\\Seen');
    case 'OLD': return !ctx.recent;
    case 'RECENT': return ctx.recent;
    case 'ANSWERED': case 'DELETED': case 'DRAFT': case 'FLAGGED': case 'SEEN':
      return hasFlag(ctx.flags, SYSTEM_FLAG[key.key]!);
    case 'UNANSWERED': case 'UNDELETED': case 'UNDRAFT': case 'UNFLAGGED': case 'UNSEEN':
      return !hasFlag(ctx.flags, SYSTEM_FLAG[key.key.slice(2)]!);
    case 'KEYWORD': return hasFlag(ctx.flags, key.flag);
    case 'UNKEYWORD': return !hasFlag(ctx.flags, key.flag);
    case 'LARGER': return ctx.size > key.size;
    case 'SMALLER': return ctx.size < key.size;
    case 'UID': return key.set === '$' ? ctx.saved?.has(ctx.uid) ?? false : sequenceSetHas(key.set, ctx.uid, ctx.maxUid);
    case 'SEQ': return key.set === '$' ? ctx.saved?.has(ctx.uid) ?? false : sequenceSetHas(key.set, ctx.seq, ctx.maxSeq);
    // RFC 7162 §3.1.5: modseq at or above; one modseq per message, so the entry name changes nothing
    case 'MODSEQ': return (ctx.modseq ?? 0) >= key.modseq;
    case 'BEFORE': case 'ON': case 'SINCE':
      return compareDay(Math.floor(ctx.internalDate.getTime() / 86_400_000), key.key, key.date);
    default: return false;
  }
}

function matchesText(key: SearchKey, raw: Buffer, mime: MimeMessage): boolean {
  switch (key.key) {
    case 'SENTBEFORE': case 'SENTON': case 'SENTSINCE': {
      const day = sentDay(fieldValue(mime.fields, 'date'));
      return day !== undefined && compareDay(day, key.key, key.date);
    }
    case 'HEADER': {
      const name = key.field.toLowerCase();
      return mime.fields.some((f) => f.name.toLowerCase() === name && (key.value === '' || contains(decodeHeaderValue(f.value), key.value)));
    }
    case 'SUBJECT':
      return mime.fields.some((f) => f.name.toLowerCase() === 'subject' && contains(decodeHeaderValue(f.value), key.value));
    case 'BCC': case 'CC': case 'FROM': case 'TO': {
      const name = key.key.toLowerCase();
      return mime.fields.some((f) => f.name.toLowerCase() === name && (contains(decodeHeaderValue(f.value), key.value) || addressText(f.value).some((a) => contains(a, key.value))));
    }
    case 'BODY': return contains(decodedBodyText(raw, mime), key.value);
    case 'TEXT': return contains(decodedHeader(mime.fields), key.value) || contains(decodedBodyText(raw, mime), key.value);
    default: return false;
  }
}

/**
 * Each address of an address field as `name <local@domain>`, parsed as ENVELOPE parses it: the
 * field as written may hide the address behind comments and folding (`<user (c)@ (c) host>`),
 * and a user searching FROM user@host means the address, as Dovecot matches it.
 */
function addressText(value: string): string[] {
  return parseAddressList(value)
    .filter((a) => a.mailbox !== null && a.host !== null)
    .map((a) => `${a.name === null ? '' : `${decodeHeaderValue(a.name)} `}<${a.mailbox}@${a.host}>`);
}

/** Does the message match `key`? Loads the message (once) only when a text or SENT* key needs it. */
export async function matchesSearch(key: SearchKey, ctx: SearchContext): Promise<boolean> {
  let loaded: Promise<{ raw: Buffer; mime: MimeMessage }> | undefined;
  const load = (): Promise<{ raw: Buffer; mime: MimeMessage }> => (loaded ??= ctx.message());
  const run = async (k: SearchKey): Promise<boolean> => {
    switch (k.key) {
      case 'NOT': return !(await run(k.operand));
      case 'OR': {
        const [first, second] = needsMessage(k.left) ? [k.right, k.left] : [k.left, k.right];
        return (await run(first)) || run(second);
      }
      case 'AND': {
        // the cheap operands first: a miss there saves reading the message
        const ordered = [...k.operands].sort((a, b) => Number(needsMessage(a)) - Number(needsMessage(b)));
        for (const op of ordered) if (!(await run(op))) return false;
        return true;
      }
      default: {
        if (!needsMessage(k)) return matchesCheap(k, ctx);
        const { raw, mime } = await load();
        return matchesText(k, raw, mime);
      }
    }
  };
  return run(key);
}
