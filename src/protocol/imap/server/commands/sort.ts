/**
 * SORT (RFC 5256 §3, SORT=DISPLAY RFC 5957, ESORT RFC 5267 §3) and UID SORT:
 *   `SORT [RETURN (MIN MAX ALL COUNT PARTIAL a:b)] (criteria) charset search-key…`
 * The search part is SEARCH's (search.ts: charsets UTF-8 / US-ASCII, others `NO [BADCHARSET]`).
 * Keys: ARRIVAL (INTERNALDATE), DATE (sent date, INTERNALDATE when the Date header is missing or
 * unparseable, RFC 5256 §2.2), SIZE, SUBJECT (base subject, §2.1), FROM / TO / CC (first address's
 * mailbox), DISPLAYFROM / DISPLAYTO (RFC 5957 §3); REVERSE flips one key. Exact ties go by mailbox
 * order. Strings compare upper-cased by code point (i;ascii-casemap for ASCII text).
 * RETURN (UPDATE) keeps the sorted result live (CONTEXT=SORT, RFC 5267 §4: search-context.ts).
 * Result: `* SORT n…`, or with RETURN one `* ESEARCH (TAG "t") [UID] …` whose MIN / MAX are the first
 * / last in sort order and whose ALL keeps sort order (RFC 5267 §3.1).
 */
import { baseSubject } from '../../../mime/base-subject.ts';
import { addressKey, displayKey, sentDate } from '../../../mime/sort-keys.ts';
import { esearchData, sortData } from '../../response-data.ts';
import type { SortCriterion } from '../../types.ts';
import { esearchResult, keepUpdated, returnOptions, searchMailbox, type SearchHit } from './search.ts';
import { SELECTED, type CommandOf, type CommandSpec } from './spec.ts';

export type KeyValue = string | number;

const NEEDS_HEADER: ReadonlySet<string> = new Set(['CC', 'DATE', 'FROM', 'SUBJECT', 'TO', 'DISPLAYFROM', 'DISPLAYTO']);

/** The value of each criterion for one message, in criteria order. */
export async function keyValues(hit: SearchHit, criteria: readonly SortCriterion[]): Promise<KeyValue[]> {
  const fields = criteria.some((c) => NEEDS_HEADER.has(c.key)) ? (await hit.message().catch(() => undefined))?.mime.fields ?? [] : [];
  return criteria.map((c): KeyValue => {
    switch (c.key) {
      case 'ARRIVAL': return hit.internalDate.getTime();
      case 'SIZE': return hit.size;
      case 'DATE': return sentDate(fields) ?? hit.internalDate.getTime();
      case 'SUBJECT': return baseSubject(fieldValueOf(fields, 'Subject')).key;
      case 'FROM': return addressKey(fields, 'From');
      case 'TO': return addressKey(fields, 'To');
      case 'CC': return addressKey(fields, 'Cc');
      case 'DISPLAYFROM': return displayKey(fields, 'From');
      case 'DISPLAYTO': return displayKey(fields, 'To');
    }
  });
}

function fieldValueOf(fields: readonly { name: string; value: string }[], name: string): string | undefined {
  return fields.find((f) => f.name.toLowerCase() === name.toLowerCase())?.value;
}

/** `hits` in the order `criteria` asks for (stable: ties stay in mailbox order); `keysOut` gets each UID's keys. */
export async function sortHits(hits: readonly SearchHit[], criteria: readonly SortCriterion[], keysOut?: Map<number, KeyValue[]>): Promise<SearchHit[]> {
  const rows: { hit: SearchHit; keys: KeyValue[] }[] = [];
  for (const hit of hits) rows.push({ hit, keys: await keyValues(hit, criteria) });
  if (keysOut) for (const r of rows) keysOut.set(r.hit.uid, r.keys);
  rows.sort((a, b) => {
    for (let i = 0; i < criteria.length; i++) {
      const x = a.keys[i]!;
      const y = b.keys[i]!;
      const d = x < y ? -1 : x > y ? 1 : 0;
      if (d !== 0) return criteria[i]!.reverse ? -d : d;
    }
    return a.hit.seq - b.hit.seq;
  });
  return rows.map((r) => r.hit);
}

export const SORT: CommandSpec<CommandOf<'SORT'>> = {
  states: SELECTED,
  async run(s, cmd) {
    const opts = cmd.returnOptions && returnOptions(cmd.returnOptions);
    const { hits, byModseq } = await searchMailbox(s, cmd.search, cmd.charset);
    const keys = opts?.has('UPDATE') ? new Map<number, KeyValue[]>() : undefined; // kept by the context: never read twice
    const sorted = await sortHits(hits, cmd.criteria, keys);
    const numbers = sorted.map((h) => (cmd.uid ? h.uid : h.seq));
    const highest = byModseq ? hits.reduce((m, h) => Math.max(m, h.modseq), 0) : undefined;
    if (opts) s.send(esearchData({ ...esearchResult(cmd.tag, cmd.uid, numbers, opts, cmd.partial, highest), ordered: true }));
    else s.send(sortData(numbers, highest));
    if (opts?.has('UPDATE')) await keepUpdated(s, cmd.tag, cmd.uid, cmd.search, { criteria: cmd.criteria, keys: keys! }, sorted.map((h) => h.uid));
    return {};
  },
};
