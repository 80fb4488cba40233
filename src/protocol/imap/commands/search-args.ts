/**
 * SEARCH (RFC 3501 §6.4.4, RFC 9051 §6.4.4, ESEARCH RETURN RFC 4731 §3):
 *
 *   search     = "SEARCH" [SP "RETURN" SP "(" [atom *(SP atom)] ")"] [SP "CHARSET" SP astring]
 *                1*(SP search-key)
 *   search-key = "ALL" / "ANSWERED" / "DELETED" / "DRAFT" / "FLAGGED" / "NEW" / "OLD" / "RECENT" /
 *                "SEEN" / "UNANSWERED" / "UNDELETED" / "UNDRAFT" / "UNFLAGGED" / "UNSEEN" /
 *                ("BCC" / "BODY" / "CC" / "FROM" / "SUBJECT" / "TEXT" / "TO") SP astring /
 *                ("BEFORE" / "ON" / "SINCE" / "SENTBEFORE" / "SENTON" / "SENTSINCE") SP date /
 *                ("KEYWORD" / "UNKEYWORD") SP flag-keyword / ("LARGER" / "SMALLER") SP number /
 *                "HEADER" SP header-fld-name SP astring / "UID" SP sequence-set / sequence-set /
 *                "NOT" SP search-key / "OR" SP search-key SP search-key /
 *                "(" search-key *(SP search-key) ")"
 *
 * Nesting (parentheses, NOT, OR) is limited to MAX_SEARCH_DEPTH so input cannot exhaust the stack.
 * Strings are decoded as UTF-8 whatever the CHARSET says; the handler answers `NO [BADCHARSET]`
 * for charsets other than UTF-8 / US-ASCII. MODSEQ (RFC 7162 §3.1.5) is in condstore-args.ts. RETURN
 * options are parsed by sort-args.ts (PARTIAL low:high, RFC 5267 §4.4). Not supported: FUZZY.
 */
import { DQUOTE, SP, isAtomChar, isDigit } from '../chars.ts';
import { formatSearchDate, parseSearchDate, type SearchDate } from '../date-time.ts';
import type { Scanner } from '../lexer.ts';
import { DATE_SEARCH_KEYS, FLAG_SEARCH_KEYS, STRING_SEARCH_KEYS, type SearchCommand, type SearchKey } from '../types.ts';
import type { WireWriter } from '../wire-writer.ts';
import { parseKeyword, parseSequence, writeSequence, type ParseContext } from './common.ts';
import { parseModseqKey, writeModseqKey } from './condstore-args.ts';
import { parseReturnOptions, writeReturnOptions } from './sort-args.ts';

export const MAX_SEARCH_DEPTH = 64;
const MAX_SIZE = Number.MAX_SAFE_INTEGER; // RFC 9051 number64

const FLAG_KEYS: ReadonlySet<string> = new Set(FLAG_SEARCH_KEYS);
const STRING_KEYS: ReadonlySet<string> = new Set(STRING_SEARCH_KEYS);
const DATE_KEYS: ReadonlySet<string> = new Set(DATE_SEARCH_KEYS);

export function parseSearch(s: Scanner, ctx: ParseContext): SearchCommand {
  const cmd: SearchCommand = { tag: ctx.tag, name: 'SEARCH', uid: ctx.uid, criteria: [] };
  s.sp();
  let word = readWord(s);
  if (word === 'RETURN') {
    s.sp();
    const r = parseReturnOptions(s);
    cmd.returnOptions = r.options;
    if (r.partial) cmd.partial = r.partial;
    s.sp();
    word = readWord(s);
  }
  if (word === 'CHARSET') {
    s.sp();
    cmd.charset = s.astring().toUpperCase();
    s.sp();
    word = readWord(s);
  }
  cmd.criteria.push(keyNamed(s, word, 0));
  while (s.accept(SP)) cmd.criteria.push(parseSearchKey(s, 0));
  return cmd;
}

/** The upper-cased key name ahead, or '' when a sequence set or '(' starts the key. */
function readWord(s: Scanner): string {
  const c = s.peek();
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) ? s.takeWhile(isAtomChar).toUpperCase() : '';
}

export function parseSearchKey(s: Scanner, depth: number): SearchKey {
  return keyNamed(s, readWord(s), depth);
}

function parseDate(s: Scanner): SearchDate {
  const text = s.peek() === DQUOTE ? s.string() : s.takeWhile(isAtomChar);
  const date = parseSearchDate(text);
  if (date === undefined) s.fail('Invalid date');
  return date;
}

function keyNamed(s: Scanner, key: string, depth: number): SearchKey {
  if (depth > MAX_SEARCH_DEPTH) s.fail('Search criteria nested too deeply');
  if (key === '') {
    const c = s.peek();
    if (c === 0x28) return { key: 'AND', operands: s.list(() => parseSearchKey(s, depth + 1), false) };
    if (isDigit(c) || c === 0x2a || c === 0x24) return { key: 'SEQ', set: parseSequence(s) };
    return s.fail('Expected search key');
  }
  if (FLAG_KEYS.has(key)) return { key } as SearchKey;
  s.sp();
  if (STRING_KEYS.has(key)) return { key, value: s.astring() } as SearchKey;
  if (DATE_KEYS.has(key)) return { key, date: parseDate(s) } as SearchKey;
  switch (key) {
    case 'KEYWORD':
    case 'UNKEYWORD':
      return { key, flag: s.atom('flag keyword') };
    case 'LARGER':
    case 'SMALLER':
      return { key, size: s.number(MAX_SIZE) };
    case 'HEADER': {
      const field = s.astring();
      s.sp();
      return { key, field, value: s.astring() };
    }
    case 'UID':
      return { key, set: parseSequence(s) };
    case 'MODSEQ':
      return parseModseqKey(s);
    case 'NOT':
      return { key, operand: parseSearchKey(s, depth + 1) };
    case 'OR': {
      const left = parseSearchKey(s, depth + 1);
      s.sp();
      return { key, left, right: parseSearchKey(s, depth + 1) };
    }
  }
  return s.fail('Unknown search key');
}

export function writeSearchKey(w: WireWriter, k: SearchKey): void {
  switch (k.key) {
    case 'AND':
      if (k.operands.length === 0) throw new RangeError('empty search group');
      w.list(k.operands, (o) => writeSearchKey(w, o));
      return;
    case 'SEQ':
      return writeSequence(w, k.set);
    case 'UID':
      w.raw('UID ');
      return writeSequence(w, k.set);
    case 'NOT':
      w.raw('NOT ');
      return writeSearchKey(w, k.operand);
    case 'OR':
      w.raw('OR ');
      writeSearchKey(w, k.left);
      w.sp();
      return writeSearchKey(w, k.right);
    case 'KEYWORD':
    case 'UNKEYWORD':
      w.raw(k.key).sp().atom(k.flag);
      return;
    case 'LARGER':
    case 'SMALLER':
      w.raw(k.key).sp().number(k.size);
      return;
    case 'HEADER':
      w.raw('HEADER ').astring(k.field).sp().astring(k.value);
      return;
    case 'MODSEQ':
      return writeModseqKey(w, k);
  }
  w.raw(k.key);
  if ('value' in k) w.sp().astring(k.value);
  else if ('date' in k) w.sp().raw(formatSearchDate(k.date));
}

export function writeSearch(w: WireWriter, c: SearchCommand): void {
  writeReturnOptions(w, c.returnOptions, c.partial);
  if (c.charset !== undefined) w.raw(' CHARSET ').astring(c.charset);
  if (c.criteria.length === 0) throw new RangeError('SEARCH needs a key');
  for (const k of c.criteria) {
    w.sp();
    writeSearchKey(w, k);
  }
}
