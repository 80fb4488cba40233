/**
 * SEARCH (RFC 3501 §6.4.4; ESEARCH RETURN RFC 4731): `SEARCH [RETURN (opt…)] [CHARSET x] key…`
 * and UID SEARCH. Charsets: UTF-8 and US-ASCII (others: `NO [BADCHARSET (UTF-8 US-ASCII)]`). The
 * message bytes are read only for keys that need them. Results: `* SEARCH n…`, or with RETURN one
 * `* ESEARCH (TAG "t") [UID] [MIN n] [MAX n] [ALL set] [COUNT n]`: `RETURN ()` means ALL; MIN,
 * MAX and ALL are left out when nothing matched, COUNT never is (RFC 4731 §3.1).
 * Refused with BAD: RETURN options other than MIN MAX ALL COUNT (RFC 4466 §2.6.1), SAVE among
 * them, and `$` anywhere in the criteria — SEARCHRES (RFC 5182) is not implemented (nor advertised).
 * MODSEQ n (RFC 7162 §3.1.5) matches modseqs >= n and adds the highest matched one to the result:
 * `* SEARCH 2 5 (MODSEQ 9)`, or ESEARCH's `MODSEQ 9`; it turns CONDSTORE on.
 */
import { matchesSearch, parseMime, type SearchContext } from '../../../mime/index.ts';
import { esearchData, searchData } from '../../response-data.ts';
import type { SearchKey } from '../../types.ts';
import { bad, no } from '../errors.ts';
import { SELECTED, type CommandOf, type CommandSpec } from './spec.ts';
import { enableCondstore, usesModseq } from './condstore.ts';

const CHARSETS = ['UTF-8', 'US-ASCII'];
const RETURN_OPTIONS: ReadonlySet<string> = new Set(['MIN', 'MAX', 'ALL', 'COUNT']);

/** The RETURN options asked for (upper-cased; `()` is ALL); throws BAD for one not implemented. */
function returnOptions(options: readonly string[]): Set<string> {
  const opts = new Set(options.map((o) => o.toUpperCase()));
  for (const o of opts) {
    if (o === 'SAVE') throw bad('SEARCHRES (RETURN SAVE) is not supported');
    if (!RETURN_OPTIONS.has(o)) throw bad(`unknown RETURN option ${o}`);
  }
  return opts.size ? opts : new Set(['ALL']);
}

/** Whether `key` refers to the saved search result `$` (a sequence set of SEQ or UID, at any depth). */
function usesSavedResult(key: SearchKey): boolean {
  switch (key.key) {
    case 'SEQ': case 'UID': return key.set === '$';
    case 'NOT': return usesSavedResult(key.operand);
    case 'OR': return usesSavedResult(key.left) || usesSavedResult(key.right);
    case 'AND': return key.operands.some(usesSavedResult);
    default: return false;
  }
}

export const SEARCH: CommandSpec<CommandOf<'SEARCH'>> = {
  states: SELECTED,
  async run(s, cmd) {
    const opts = cmd.returnOptions && returnOptions(cmd.returnOptions);
    const key: SearchKey = cmd.criteria.length === 1 ? cmd.criteria[0]! : { key: 'AND', operands: cmd.criteria };
    if (usesSavedResult(key)) throw bad('SEARCHRES ($) is not supported');
    if (cmd.charset && !CHARSETS.includes(cmd.charset.toUpperCase())) {
      throw no(`charset ${cmd.charset} is not supported; use UTF-8`, 'BADCHARSET');
    }
    const mb = s.mailbox!;
    const maxUid = mb.uids[mb.uids.length - 1] ?? 0;
    const hits: number[] = [];
    const byModseq = usesModseq(key);
    if (byModseq) enableCondstore(s);
    let highest = 0;
    for (let i = 0; i < mb.uids.length; i++) {
      const uid = mb.uids[i]!;
      const info = mb.info.get(uid);
      if (!info) continue;
      let loaded: ReturnType<SearchContext['message']> | undefined;
      const ctx: SearchContext = {
        seq: i + 1, uid, maxSeq: mb.uids.length, maxUid, flags: mb.flags.get(uid) ?? info.flags, recent: info.recent, size: info.size, internalDate: info.internalDate, modseq: info.modseq,
        message: () => (loaded ??= mb.account.readMessage(mb.name, uid).then((raw) => ({ raw, mime: parseMime(raw) }))),
      };
      const hit = await matchesSearch(key, ctx).catch(() => false); // an expunged message matches nothing
      if (!hit) continue;
      hits.push(cmd.uid ? uid : i + 1);
      highest = Math.max(highest, info.modseq);
    }
    if (opts) {
      s.send(esearchData({
        tag: cmd.tag, uid: cmd.uid,
        ...(opts.has('MIN') && hits.length ? { min: hits[0]! } : {}),
        ...(opts.has('MAX') && hits.length ? { max: hits[hits.length - 1]! } : {}),
        ...(opts.has('COUNT') ? { count: hits.length } : {}),
        ...(opts.has('ALL') ? { all: hits } : {}),
        ...(byModseq && hits.length ? { modseq: highest } : {}),
      }));
    } else s.send(searchData(hits, byModseq ? highest : undefined));
    return {};
  },
};
