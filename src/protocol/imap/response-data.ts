/**
 * Builders for untagged data responses (RFC 3501 §7.2–7.4, RFC 9051 §7.2–7.5, ENABLED RFC 5161,
 * ID RFC 2971, NAMESPACE RFC 2342, ESEARCH RFC 4731, LIST-EXTENDED RFC 5258). Each returns the
 * bytes of one response, CRLF included, and throws RangeError for values with no wire form.
 * Mailbox names are Unicode and are encoded here (modified UTF-7, or UTF-8 when `utf8`). ENVELOPE
 * and BODYSTRUCTURE are passed in as WireValue trees built by the MIME layer; this file only knows
 * their position.
 */
import { writeSection } from './commands/fetch-args.ts';
import { formatDateTime } from './date-time.ts';
import { encodeMutf7 } from './mutf7.ts';
import { serverWriter, writeValue, type ResponseOptions, type WireValue } from './response.ts';
import { compressUids, formatSequenceSet, rangesInOrder } from './sequence-set.ts';
import type { IdParam, Section, StatusItem } from './types.ts';
import type { WireWriter } from './wire-writer.ts';

function atoms(w: WireWriter, words: readonly string[]): void {
  for (const a of words) w.sp().atom(a);
}

/** `* CAPABILITY IMAP4rev1 …` */
export function capabilityData(capabilities: readonly string[]): Buffer {
  const w = serverWriter().raw('* CAPABILITY');
  atoms(w, capabilities);
  return w.crlf().toBuffer();
}

/** `* ENABLED …` (RFC 5161 §3.2), listing only what was newly enabled. */
export function enabledData(capabilities: readonly string[]): Buffer {
  const w = serverWriter().raw('* ENABLED');
  atoms(w, capabilities);
  return w.crlf().toBuffer();
}

/** `* n EXISTS` / `* n RECENT` / `* n EXPUNGE` */
export function messageCountData(n: number, kind: 'EXISTS' | 'RECENT' | 'EXPUNGE'): Buffer {
  return serverWriter().raw('* ').number(n).raw(` ${kind}`).crlf().toBuffer();
}

/** `* FLAGS (\Answered …)` */
export function flagsData(flags: readonly string[]): Buffer {
  const w = serverWriter().raw('* FLAGS ');
  w.list(flags, (f) => w.flag(f));
  return w.crlf().toBuffer();
}

export interface ListEntry {
  attributes: string[]; // `\HasNoChildren`, `\Noselect`, `\Sent` …
  delimiter: string | null; // one character, or null for a flat namespace
  name: string;
  /** The CHILDINFO extended data item (RFC 5258 §3.5): the selection options a descendant meets. */
  childInfo?: string[];
}

/** `* LIST (\HasNoChildren) "/" INBOX` (or LSUB); `* LIST () "/" Foo ("CHILDINFO" ("SUBSCRIBED"))` */
export function listData(command: 'LIST' | 'LSUB', entry: ListEntry, options?: ResponseOptions): Buffer {
  const w = serverWriter(options).raw(`* ${command} `);
  w.list(entry.attributes, (a) => w.flag(a));
  w.sp().nstring(entry.delimiter).sp().mailbox(entry.name);
  if (entry.childInfo) w.raw(' ("CHILDINFO" ').list(entry.childInfo, (o) => w.string(o)).raw(')');
  return w.crlf().toBuffer();
}

/** `* STATUS name (MESSAGES 2 UIDNEXT 5)`, items in the order given. */
export function statusData(mailbox: string, items: ReadonlyArray<{ item: StatusItem; value: number | null }>, options?: ResponseOptions): Buffer {
  const w = serverWriter(options).raw('* STATUS ').mailbox(mailbox).sp();
  // null: NIL, which only APPENDLIMIT may be (RFC 7889 §3: no limit)
  w.list(items, (i) => (i.value === null ? w.atom(i.item).raw(' NIL') : w.atom(i.item).sp().number(i.value)));
  return w.crlf().toBuffer();
}

/** `* SEARCH 2 3 7` (`* SEARCH` when nothing matched); `* SEARCH 2 3 (MODSEQ 9)` (RFC 7162 §3.1.5). */
export function searchData(numbers: readonly number[], modseq?: number): Buffer {
  const w = serverWriter().raw('* SEARCH');
  for (const n of numbers) w.sp().number(n);
  if (modseq !== undefined && numbers.length > 0) w.raw(` (MODSEQ ${modseq})`);
  return w.crlf().toBuffer();
}

/** `* VANISHED [(EARLIER) ]1:3,7` (RFC 7162 §3.2.10); ranges ascending, non-empty. */
export function vanishedData(ranges: ReadonlyArray<{ from: number; to: number }>, earlier: boolean): Buffer {
  if (ranges.length === 0) throw new RangeError('VANISHED needs a UID');
  const set = formatSequenceSet(ranges.map((r) => ({ from: r.from, to: r.to })));
  return serverWriter().raw(`* VANISHED ${earlier ? '(EARLIER) ' : ''}${set}`).crlf().toBuffer();
}

export interface EsearchResult {
  tag: string;
  uid: boolean;
  min?: number;
  max?: number;
  count?: number;
  /** The matches; sent compressed (`ALL 1:5,7`), omitted when empty as RFC 4731 §3.1 requires. */
  all?: number[];
  /** RFC 7162 §3.1.5: the highest modseq of the matches when the search used MODSEQ. */
  modseq?: number;
  /** Keep ALL in the given order (ESORT, RFC 5267 §3.1): only ascending runs are compressed. */
  ordered?: boolean;
  /** RFC 5267 §4.4: the requested range and the matches at those positions. */
  partial?: { low: number; high: number; numbers: number[] };
}

/** `* ESEARCH (TAG "a1") UID MIN 1 MAX 7 ALL 1:5,7 COUNT 6` (RFC 4731 §3.1) */
export function esearchData(r: EsearchResult): Buffer {
  const w = serverWriter().raw('* ESEARCH (TAG ').string(r.tag).raw(')');
  if (r.uid) w.raw(' UID');
  if (r.min !== undefined) w.raw(' MIN ').number(r.min);
  if (r.max !== undefined) w.raw(' MAX ').number(r.max);
  if (r.all !== undefined && r.all.length > 0) w.raw(' ALL ').raw(r.ordered ? formatSequenceSet(rangesInOrder(r.all)) : compressUids(r.all));
  if (r.partial) {
    const p = r.partial;
    w.raw(` PARTIAL (${p.low}:${p.high} `).raw(p.numbers.length ? (r.ordered ? formatSequenceSet(rangesInOrder(p.numbers)) : compressUids(p.numbers)) : 'NIL').raw(')');
  }
  if (r.count !== undefined) w.raw(' COUNT ').number(r.count);
  if (r.modseq !== undefined) w.raw(` MODSEQ ${r.modseq}`);
  return w.crlf().toBuffer();
}

/** `* ID ("name" "mailcluster" …)` or `* ID NIL` */
export function idData(params: readonly IdParam[] | null): Buffer {
  const w = serverWriter().raw('* ID ');
  if (params === null) w.raw('NIL');
  else w.list(params, (p) => w.string(p.key).sp().nstring(p.value));
  return w.crlf().toBuffer();
}

export interface Namespace {
  prefix: string;
  delimiter: string | null;
}

/** `* NAMESPACE (("" "/")) NIL NIL` — personal, other users', shared; null = none. */
export function namespaceData(personal: Namespace[] | null, other: Namespace[] | null, shared: Namespace[] | null, options?: ResponseOptions): Buffer {
  const w = serverWriter(options).raw('* NAMESPACE');
  for (const group of [personal, other, shared]) {
    w.sp();
    if (group === null || group.length === 0) w.raw('NIL');
    else w.list(group, (ns) => w.raw('(').string(options?.utf8 ? ns.prefix : encodeMutf7(ns.prefix)).sp().nstring(ns.delimiter).raw(')'));
  }
  return w.crlf().toBuffer();
}

/** One item of a FETCH response. */
export type FetchResponseItem =
  | { item: 'FLAGS'; flags: string[] }
  | { item: 'UID' | 'RFC822.SIZE'; value: number }
  /** `MODSEQ (n)` (RFC 7162 §3.1.4). */
  | { item: 'MODSEQ'; value: number }
  | { item: 'INTERNALDATE'; date: Date; offsetMinutes?: number }
  | { item: 'ENVELOPE' | 'BODYSTRUCTURE' | 'BODY'; value: WireValue }
  | { item: 'RFC822' | 'RFC822.HEADER' | 'RFC822.TEXT'; data: Buffer | null }
  /** `BODY[section]<origin>`: origin is the partial's offset when the request had one. */
  | { item: 'BODY[]'; section: Section; origin?: number; data: Buffer | null }
  /** RFC 3516 §4.2: `BINARY[part]<origin>` as literal8 when the data holds NUL, else a literal. */
  | { item: 'BINARY[]'; part: readonly number[]; origin?: number; data: Buffer | null }
  | { item: 'BINARY.SIZE'; part: readonly number[]; value: number };

function writeFetchItem(w: WireWriter, it: FetchResponseItem): void {
  switch (it.item) {
    case 'FLAGS':
      w.raw('FLAGS ').list(it.flags, (f) => w.flag(f));
      return;
    case 'UID':
    case 'RFC822.SIZE':
      w.raw(`${it.item} `).number(it.value);
      return;
    case 'MODSEQ':
      w.raw(`MODSEQ (${it.value})`);
      return;
    case 'INTERNALDATE':
      w.raw(`INTERNALDATE "${formatDateTime(it.date, it.offsetMinutes)}"`);
      return;
    case 'ENVELOPE':
    case 'BODYSTRUCTURE':
    case 'BODY':
      w.raw(`${it.item} `);
      return writeValue(w, it.value);
    case 'RFC822':
    case 'RFC822.HEADER':
    case 'RFC822.TEXT':
      w.raw(`${it.item} `);
      return writeValue(w, it.data);
    case 'BODY[]':
      w.raw('BODY');
      writeSection(w, it.section);
      if (it.origin !== undefined) w.raw('<').number(it.origin).raw('>');
      w.sp();
      return writeValue(w, it.data);
    case 'BINARY[]':
      w.raw(`BINARY[${it.part.join('.')}]`);
      if (it.origin !== undefined) w.raw('<').number(it.origin).raw('>');
      w.sp();
      if (it.data !== null && it.data.includes(0)) w.raw('~');
      return writeValue(w, it.data);
    case 'BINARY.SIZE':
      w.raw(`BINARY.SIZE[${it.part.join('.')}] `).number(it.value);
      return;
  }
}

/** `* 12 FETCH (UID 42 FLAGS (\Seen) BODY[] {310}…)` */
export function fetchData(seq: number, items: readonly FetchResponseItem[], options?: ResponseOptions): Buffer {
  const w = serverWriter(options).raw('* ').number(seq).raw(' FETCH ');
  w.list(items, (it) => writeFetchItem(w, it));
  return w.crlf().toBuffer();
}

/** `* SORT 2 3 1` (RFC 5256 §4; `* SORT` when nothing matched); `(MODSEQ 9)` after MODSEQ (RFC 7162 §3.1.5). */
export function sortData(numbers: readonly number[], modseq?: number): Buffer {
  const w = serverWriter().raw('* SORT');
  for (const n of numbers) w.sp().number(n);
  if (modseq !== undefined && numbers.length > 0) w.raw(` (MODSEQ ${modseq})`);
  return w.crlf().toBuffer();
}

/** A thread tree: a message number (none for a dummy parent) and its children. */
export interface ThreadTree {
  id?: number;
  children: readonly ThreadTree[];
}

/**
 * `* THREAD (2)(3 6 (4 23)(44 7 96))` (RFC 5256 §4): a chain of only children is written flat, a
 * node with several children writes each child as its own parenthesised thread, a dummy parent
 * is just its children's group: `((3)(5))`.
 */
export function threadData(threads: readonly ThreadTree[]): Buffer {
  const body = (node: ThreadTree): string => {
    const parts: string[] = [];
    let n = node;
    if (n.id !== undefined) parts.push(String(n.id));
    while (n.children.length === 1) {
      n = n.children[0]!;
      if (n.id !== undefined) parts.push(String(n.id));
    }
    if (n.children.length > 1) parts.push(n.children.map((c) => `(${body(c)})`).join(''));
    return parts.join(' ');
  };
  const w = serverWriter().raw('* THREAD');
  if (threads.length) w.sp().raw(threads.map((t) => `(${body(t)})`).join(''));
  return w.crlf().toBuffer();
}
