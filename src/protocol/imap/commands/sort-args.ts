/**
 * SORT and THREAD (RFC 5256 §5, the formal syntax), ESORT RETURN (RFC 5267 §3, §4.4):
 *
 *   sort          = ["UID" SP] "SORT" [SP "RETURN" SP "(" [return-opt *(SP return-opt)] ")"]
 *                   SP sort-criteria SP search-criteria
 *   sort-criteria = "(" sort-criterion *(SP sort-criterion) ")"
 *   sort-criterion = ["REVERSE" SP] sort-key
 *   sort-key      = "ARRIVAL" / "CC" / "DATE" / "FROM" / "SIZE" / "SUBJECT" / "TO"
 *                   / "DISPLAYFROM" / "DISPLAYTO"                               ; RFC 5957 §3
 *   thread        = ["UID" SP] "THREAD" SP thread-alg SP search-criteria
 *   search-criteria = charset 1*(SP search-key)      ; the charset is not optional here
 *   return-opt    = "MIN" / "MAX" / "ALL" / "COUNT" / "PARTIAL" SP partial-range
 *   partial-range = nz-number ":" nz-number
 *
 * THREAD algorithms other than ORDEREDSUBJECT / REFERENCES are BAD (syntax); the handlers answer
 * `NO [BADCHARSET]` for charsets other than UTF-8 / US-ASCII.
 */
import { SP } from '../chars.ts';
import type { Scanner } from '../lexer.ts';
import { SORT_KEYS, THREAD_ALGORITHMS, type SearchKey, type SortCommand, type SortCriterion, type ThreadCommand } from '../types.ts';
import type { WireWriter } from '../wire-writer.ts';
import { parseKeyword, type ParseContext } from './common.ts';
import { parseSearchKey, writeSearchKey } from './search-args.ts';

const KEYS: ReadonlySet<string> = new Set(SORT_KEYS);
const ALGORITHMS: ReadonlySet<string> = new Set(THREAD_ALGORITHMS);

/** `RETURN (…)` after the SP that follows RETURN: option words upper-cased, PARTIAL's range apart. */
export function parseReturnOptions(s: Scanner): { options: string[]; partial?: { low: number; high: number } } {
  let partial: { low: number; high: number } | undefined;
  const options = s.list(() => {
    const word = parseKeyword(s, 'return option');
    if (word === 'PARTIAL') {
      if (partial) s.fail('PARTIAL given twice');
      s.sp();
      const a = s.nzNumber();
      s.expect(0x3a, ':');
      const b = s.nzNumber();
      partial = { low: Math.min(a, b), high: Math.max(a, b) };
    }
    return word;
  }, true);
  return partial ? { options, partial } : { options };
}

export function writeReturnOptions(w: WireWriter, options: readonly string[] | undefined, partial: { low: number; high: number } | undefined): void {
  if (options === undefined) return;
  w.raw(' RETURN ').list(options, (o) => (o === 'PARTIAL' && partial ? w.raw(`PARTIAL ${partial.low}:${partial.high}`) : w.atom(o)));
}

function parseCriteria(s: Scanner): SearchKey[] {
  const keys: SearchKey[] = [parseSearchKey(s, 0)];
  while (s.accept(SP)) keys.push(parseSearchKey(s, 0));
  return keys;
}

export function parseSort(s: Scanner, ctx: ParseContext): SortCommand {
  s.sp();
  let returnOptions: ReturnType<typeof parseReturnOptions> | undefined;
  if (s.peek() !== 0x28) {
    if (parseKeyword(s, 'RETURN') !== 'RETURN') s.fail('Expected RETURN or sort criteria');
    s.sp();
    returnOptions = parseReturnOptions(s);
    s.sp();
  }
  const criteria = s.list((): SortCriterion => {
    let word = parseKeyword(s, 'sort key');
    let reverse = false;
    if (word === 'REVERSE') {
      reverse = true;
      s.sp();
      word = parseKeyword(s, 'sort key');
    }
    if (!KEYS.has(word)) s.fail('Unknown sort key');
    return { key: word as SortCriterion['key'], reverse };
  }, false);
  s.sp();
  const charset = s.astring().toUpperCase();
  s.sp();
  const cmd: SortCommand = { tag: ctx.tag, name: 'SORT', uid: ctx.uid, criteria, charset, search: parseCriteria(s) };
  if (returnOptions) {
    cmd.returnOptions = returnOptions.options;
    if (returnOptions.partial) cmd.partial = returnOptions.partial;
  }
  return cmd;
}

export function parseThread(s: Scanner, ctx: ParseContext): ThreadCommand {
  s.sp();
  const algorithm = parseKeyword(s, 'thread algorithm');
  if (!ALGORITHMS.has(algorithm)) s.fail('Unknown thread algorithm');
  s.sp();
  const charset = s.astring().toUpperCase();
  s.sp();
  return { tag: ctx.tag, name: 'THREAD', uid: ctx.uid, algorithm: algorithm as ThreadCommand['algorithm'], charset, search: parseCriteria(s) };
}

function writeCriteria(w: WireWriter, charset: string, keys: readonly SearchKey[]): void {
  if (keys.length === 0) throw new RangeError('SORT / THREAD need a search key');
  w.sp().astring(charset);
  for (const k of keys) {
    w.sp();
    writeSearchKey(w, k);
  }
}

export function writeSort(w: WireWriter, c: SortCommand): void {
  writeReturnOptions(w, c.returnOptions, c.partial);
  w.sp().list(c.criteria, (k) => w.raw(k.reverse ? `REVERSE ${k.key}` : k.key));
  writeCriteria(w, c.charset, c.search);
}

export function writeThread(w: WireWriter, c: ThreadCommand): void {
  w.sp().atom(c.algorithm);
  writeCriteria(w, c.charset, c.search);
}
