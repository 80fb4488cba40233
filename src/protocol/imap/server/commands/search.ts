/**
 * SEARCH (RFC 3501 §6.4.4; ESEARCH RETURN RFC 4731): `SEARCH [RETURN (opt…)] [CHARSET x] key…`
 * and UID SEARCH. Charsets: UTF-8 and US-ASCII (others: `NO [BADCHARSET (UTF-8 US-ASCII)]`). The
 * message bytes are read only for keys that need them. Results: `* SEARCH n…`, or with RETURN one
 * `* ESEARCH (TAG "t") [UID] [MIN n] [MAX n] [ALL set] [COUNT n]`: `RETURN ()` means ALL; MIN,
 * MAX and ALL are left out when nothing matched, COUNT never is (RFC 4731 §3.1).
 * PARTIAL low:high (RFC 5267 §4.4) returns the low-th to high-th matches: `PARTIAL (1:5 2,7)`,
 * `PARTIAL (1:5 NIL)` when there are none.
 * UPDATE (CONTEXT=SEARCH, RFC 5267 §4) keeps the result live: see search-context.ts.
 * Refused with BAD: RETURN options other than MIN MAX ALL COUNT PARTIAL SAVE UPDATE (RFC 4466 §2.6.1).
 * SAVE and `$` are SEARCHRES (RFC 5182), searchres.ts's.
 * MODSEQ n (RFC 7162 §3.1.5) matches modseqs >= n and adds the highest matched one to the result:
 * `* SEARCH 2 5 (MODSEQ 9)`, or ESEARCH's `MODSEQ 9`; it turns CONDSTORE on.
 * An IMAP4rev2 session gets ESEARCH without RETURN too, as RETURN (ALL) (RFC 9051 §6.4.4; rev2.ts).
 */
import { matchesSearch, parseMime, type SearchContext } from '../../../mime/index.ts';
import { esearchData, searchData, type EsearchResult } from '../../response-data.ts';
import type { ImapSession } from '../session.ts';
import type { SearchKey, SortCriterion } from '../../types.ts';
import { serverWriter } from '../../response.ts';
import { MAX_CONTEXTS } from '../search-context.ts';
import type { MailboxView } from '../mailbox-view.ts';
import { bad, no } from '../errors.ts';
import { SELECTED, type CommandOf, type CommandSpec } from './spec.ts';
import { enableCondstore, usesModseq } from './condstore.ts';
import { defaultSearchReturn } from './rev2.ts';
import { saveOnly, toSave } from './searchres.ts';

const CHARSETS = ['UTF-8', 'US-ASCII'];
const RETURN_OPTIONS: ReadonlySet<string> = new Set(['MIN', 'MAX', 'ALL', 'COUNT', 'PARTIAL', 'UPDATE']);

/**
 * The RETURN options asked for (upper-cased; `()` is ALL); throws BAD for one not implemented.
 * SAVE (SEARCHRES, searchres.ts) only where `allowSave` (SEARCH; not SORT).
 */
export function returnOptions(options: readonly string[], allowSave = false): Set<string> {
  const opts = new Set(options.map((o) => o.toUpperCase()));
  for (const o of opts) {
    if (o === 'SAVE' && allowSave) continue;
    if (o === 'SAVE') throw bad('RETURN (SAVE) is supported by SEARCH only');
    if (!RETURN_OPTIONS.has(o)) throw bad(`unknown RETURN option ${o}`);
  }
  return opts.size ? opts : new Set(['ALL']);
}

/** One message that matched: its numbers, stored info, and a loader shared with later readers. */
export interface SearchHit {
  seq: number;
  uid: number;
  size: number;
  internalDate: Date;
  modseq: number;
  message: SearchContext['message'];
}

/**
 * The selected mailbox's messages matching all of `criteria`, in mailbox order. Checks the charset
 * (`NO [BADCHARSET]`); `$` is the saved result (searchres.ts); a MODSEQ key turns CONDSTORE on. Reads message bytes
 * only for keys that need them, each message at most once whoever calls `message()` afterwards.
 */
export async function searchMailbox(s: ImapSession, criteria: readonly SearchKey[], charset: string | undefined): Promise<{ hits: SearchHit[]; byModseq: boolean }> {
  const key = searchKeyOf(criteria);
  if (charset && !CHARSETS.includes(charset.toUpperCase())) {
    throw no(`charset ${charset} is not supported; use UTF-8`, 'BADCHARSET');
  }
  const mb = s.mailbox!;
  const hits: SearchHit[] = [];
  const byModseq = usesModseq(key);
  if (byModseq) enableCondstore(s);
  for (let i = 0; i < mb.uids.length; i++) {
    const hit = await matchMessage(mb, key, i);
    if (hit) hits.push(hit);
  }
  return { hits, byModseq };
}

/** Message `seq - 1 = index` of `mb` when it matches `key`, else undefined (an expunged message matches nothing). */
export async function matchMessage(mb: MailboxView, key: SearchKey, index: number): Promise<SearchHit | undefined> {
  const uid = mb.uids[index]!;
  const info = mb.info.get(uid);
  if (!info) return undefined;
  let loaded: ReturnType<SearchContext['message']> | undefined;
  const message = () => (loaded ??= mb.account.readMessage(mb.name, uid).then((raw) => ({ raw, mime: parseMime(raw) })));
  const ctx: SearchContext = {
    seq: index + 1, uid, maxSeq: mb.uids.length, maxUid: mb.uids[mb.uids.length - 1] ?? 0, saved: mb.saved, flags: mb.flags.get(uid) ?? info.flags, recent: info.recent, size: info.size, internalDate: info.internalDate, modseq: info.modseq,
    message,
  };
  const hit = await matchesSearch(key, ctx).catch(() => false);
  return hit ? { seq: index + 1, uid, size: info.size, internalDate: info.internalDate, modseq: info.modseq, message } : undefined;
}

/** The criteria as one key (several are an implicit AND). */
export function searchKeyOf(criteria: readonly SearchKey[]): SearchKey {
  return criteria.length === 1 ? criteria[0]! : { key: 'AND', operands: [...criteria] };
}

/** The ESEARCH data for `numbers` (in result order) and the RETURN options asked for. */
export function esearchResult(tag: string, uid: boolean, numbers: readonly number[], opts: ReadonlySet<string>, partial: { low: number; high: number } | undefined, modseq: number | undefined): EsearchResult {
  return {
    tag, uid,
    ...(opts.has('MIN') && numbers.length ? { min: numbers[0]! } : {}),
    ...(opts.has('MAX') && numbers.length ? { max: numbers[numbers.length - 1]! } : {}),
    ...(opts.has('COUNT') ? { count: numbers.length } : {}),
    ...(opts.has('ALL') ? { all: [...numbers] } : {}),
    ...(partial ? { partial: { ...partial, numbers: numbers.slice(partial.low - 1, partial.high) } } : {}),
    ...(modseq !== undefined && numbers.length ? { modseq } : {}),
  };
}

export const SEARCH: CommandSpec<CommandOf<'SEARCH'>> = {
  states: SELECTED,
  async run(s, cmd) {
    const opts = cmd.returnOptions ? returnOptions(cmd.returnOptions, true) : defaultSearchReturn(s); // rev2: ESEARCH
    const save = opts?.has('SAVE') === true;
    const mb = s.mailbox!;
    let found: Awaited<ReturnType<typeof searchMailbox>>;
    try {
      found = await searchMailbox(s, cmd.criteria, cmd.charset);
    } catch (err) {
      if (save) mb.saved = new Set(); // RFC 5182 §2.1: a failed SEARCH (SAVE) empties `$`
      throw err;
    }
    const { hits, byModseq } = found;
    if (save) mb.saved = toSave(hits.map((h) => h.uid), opts!);
    const numbers = hits.map((h) => (cmd.uid ? h.uid : h.seq));
    const highest = byModseq ? hits.reduce((m, h) => Math.max(m, h.modseq), 0) : undefined;
    if (opts && saveOnly(opts)) return {};
    if (opts && saveOnly(opts)) return {};
    if (opts) s.send(esearchData(esearchResult(cmd.tag, cmd.uid, numbers, opts, cmd.partial, highest)));
    else s.send(searchData(numbers, highest));
    if (opts?.has('UPDATE')) await keepUpdated(s, cmd.tag, cmd.uid, cmd.criteria, undefined, hits.map((h) => h.uid));
    return {};
  },
};

/** RETURN (UPDATE): registers the context, or says `* NO [NOUPDATE "tag"]` when the session has too many. */
export async function keepUpdated(s: ImapSession, tag: string, uid: boolean, criteria: readonly SearchKey[], sort: { criteria: readonly SortCriterion[]; keys: Map<number, Array<string | number>> } | undefined, result: readonly number[]): Promise<void> {
  const ok = await s.contexts.add({ tag, uid, view: s.mailbox!, key: searchKeyOf(criteria), ...(sort ? { sort: sort.criteria, sortKeys: sort.keys } : {}), result });
  if (!ok) s.send(serverWriter().raw('* NO [NOUPDATE ').string(tag).raw(`] too many search contexts (at most ${MAX_CONTEXTS})`).crlf().toBuffer());
}
