/**
 * SEARCH keys (RFC 3501 §6.4.4, RFC 9051 §6.4.4) evaluated on one message. Keys that need only
 * flags, UIDs, sizes or dates never touch the message bytes; text keys load and parse it once
 * (ctx.message()). Text matching is case-insensitive substring on decoded text: RFC 2047 encoded
 * words in headers, quoted-printable / base64 bodies, charsets converted (libmime).
 */
import libmime from 'libmime';
import type { SearchDate, SearchKey } from '../imap/types.ts';
import { sequenceSetHas } from '../imap/sequence-set.ts';
import { header, type MimePart } from './structure.ts';

export interface SearchContext {
  seq: number;
  uid: number;
  maxSeq: number;
  maxUid: number;
  flags: ReadonlySet<string>;
  recent: boolean;
  size: number;
  internalDate: Date;
  /** Raw bytes and structure, loaded on first use. */
  message: () => Promise<{ raw: Buffer; mime: MimePart }>;
}

const FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ['\\Answered', true], DELETED: ['\\Deleted', true], DRAFT: ['\\Draft', true], FLAGGED: ['\\Flagged', true], SEEN: ['\\Seen', true],
  UNANSWERED: ['\\Answered', false], UNDELETED: ['\\Deleted', false], UNDRAFT: ['\\Draft', false], UNFLAGGED: ['\\Flagged', false], UNSEEN: ['\\Seen', false],
};

const dayNumber = (d: SearchDate): number => Date.UTC(d.year, d.month - 1, d.day) / 86_400_000;
/** The calendar day of a Date in UTC (the server's date; RFC 3501 leaves the zone to the server). */
const dayOf = (date: Date): number => Math.floor(date.getTime() / 86_400_000);

function compareDay(day: number, key: string, d: SearchDate): boolean {
  const want = dayNumber(d);
  if (key.endsWith('BEFORE')) return day < want;
  if (key.endsWith('ON')) return day === want;
  return day >= want;
}

function decodeHeader(value: string): string {
  try {
    return libmime.decodeWords(value);
  } catch {
    return value;
  }
}

function decodedText(raw: Buffer, part: MimePart): string {
  if (part.type === 'multipart') return part.parts.map((p) => decodedText(raw, p)).join('\n');
  if (part.type === 'message' && part.message) {
    return `${part.message.fields.map((f) => `${f.name}: ${decodeHeader(f.value)}`).join('\n')}\n${decodedText(raw, part.message)}`;
  }
  if (part.type !== 'text') return '';
  const body = raw.subarray(part.bodyStart, part.end);
  const cte = (header(part, 'content-transfer-encoding') ?? '').trim().toLowerCase();
  let bytes: Buffer = body;
  if (cte === 'base64') bytes = Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  else if (cte === 'quoted-printable') {
    bytes = Buffer.from(body.toString('latin1').replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
  }
  const charset = part.params.find(([k]) => k === 'charset')?.[1] ?? 'utf-8';
  try {
    return new TextDecoder(libmime.normalizeCharset(charset).toLowerCase()).decode(bytes);
  } catch {
    return bytes.toString('utf8');
  }
}

const has = (hay: string, needle: string): boolean => hay.toLowerCase().includes(needle.toLowerCase());

export async function matchesSearch(key: SearchKey, ctx: SearchContext): Promise<boolean> {
  switch (key.key) {
    case 'ALL':
      return true;
    case 'NEW':
      return ctx.recent && !ctx.flags.has('\\Seen');
    case 'OLD':
      return !ctx.recent;
    case 'RECENT':
      return ctx.recent;
    case 'KEYWORD':
      return ctx.flags.has(key.flag);
    case 'UNKEYWORD':
      return !ctx.flags.has(key.flag);
    case 'LARGER':
      return ctx.size > key.size;
    case 'SMALLER':
      return ctx.size < key.size;
    case 'UID':
      return key.set !== '$' && sequenceSetHas(key.set, ctx.uid, ctx.maxUid);
    case 'SEQ':
      return key.set !== '$' && sequenceSetHas(key.set, ctx.seq, ctx.maxSeq);
    case 'NOT':
      return !(await matchesSearch(key.operand, ctx));
    case 'OR':
      return (await matchesSearch(key.left, ctx)) || matchesSearch(key.right, ctx);
    case 'AND':
      for (const k of key.operands) if (!(await matchesSearch(k, ctx))) return false;
      return true;
    case 'BEFORE':
    case 'ON':
    case 'SINCE':
      return compareDay(dayOf(ctx.internalDate), key.key, key.date);
    case 'SENTBEFORE':
    case 'SENTON':
    case 'SENTSINCE': {
      const { mime } = await ctx.message();
      const sent = new Date(header(mime, 'date') ?? '');
      return !Number.isNaN(sent.getTime()) && compareDay(dayOf(sent), key.key, key.date);
    }
    case 'HEADER': {
      const { mime } = await ctx.message();
      const n = key.field.toLowerCase();
      return mime.fields.some((f) => f.name.toLowerCase() === n && has(decodeHeader(f.value), key.value));
    }
    case 'BCC':
    case 'CC':
    case 'FROM':
    case 'TO':
    case 'SUBJECT': {
      const { mime } = await ctx.message();
      const n = key.key.toLowerCase();
      return mime.fields.some((f) => f.name.toLowerCase() === n && has(decodeHeader(f.value), key.value));
    }
    case 'BODY': {
      const { raw, mime } = await ctx.message();
      return has(decodedText(raw, mime), key.value);
    }
    case 'TEXT': {
      const { raw, mime } = await ctx.message();
      return has(mime.fields.map((f) => `${f.name}: ${decodeHeader(f.value)}`).join('\n'), key.value) || has(decodedText(raw, mime), key.value);
    }
    default: {
      const flag = FLAG_KEYS[key.key];
      if (flag) return ctx.flags.has(flag[0]) === flag[1];
      return false;
    }
  }
}
