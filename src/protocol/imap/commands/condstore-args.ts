/**
 * CONDSTORE and QRESYNC arguments (RFC 7162 §7, the formal syntax), parsed where the base command
 * parsers (fetch-args, message-args, mailbox-args, search-args) find them:
 *
 *   fetch-modifiers  = SP "(" fetch-modifier *(SP fetch-modifier) ")"
 *   fetch-modifier   = "CHANGEDSINCE" SP mod-sequence-value / "VANISHED"
 *   store-modifiers  = SP "(" "UNCHANGEDSINCE" SP mod-sequence-valzer ")"       ; before the flags
 *   select-params    = SP "(" select-param *(SP select-param) ")"
 *   select-param     = "CONDSTORE" / "QRESYNC" SP "(" uidvalidity SP mod-sequence-value
 *                      [SP known-uids] [SP seq-match-data] ")"
 *   seq-match-data   = "(" known-sequence-set SP known-uid-set ")"
 *   search-modsequence = "MODSEQ" [SP entry-name SP entry-type-req] SP mod-sequence-valzer
 *   entry-name       = DQUOTE "/flags/" attr-flag DQUOTE ; entry-type-req = "priv" / "shared" / "all"
 *   mod-sequence-value = 1*DIGIT (1 .. 2^63-1)    mod-sequence-valzer = "0" / mod-sequence-value
 *
 * Values above 2^53-1 (the largest a JavaScript number holds exactly) are read as 2^53-1: this
 * server's modseqs stay far below it, so comparisons against them come out the same.
 * VANISHED needs CHANGEDSINCE (RFC 7162 §3.2.6) and the UID prefix; both refusals are BAD here.
 */
import { DQUOTE, isDigit } from '../chars.ts';
import type { Scanner } from '../lexer.ts';
import type { FetchCommand, QresyncParams, SearchKey, SelectParams, StoreCommand } from '../types.ts';
import type { WireWriter } from '../wire-writer.ts';
import { formatSequenceSet } from '../sequence-set.ts';
import { parseKeyword, parseSequence, type ParseContext } from './common.ts';

const MAX_MODSEQ = 2n ** 63n - 1n;

/** `mod-sequence-valzer`, or with `nonZero` `mod-sequence-value`. */
export function parseModseq(s: Scanner, nonZero = false): number {
  const digits = s.takeWhile(isDigit);
  if (digits.length === 0 || digits.length > 19 || BigInt(digits) > MAX_MODSEQ) s.fail('Expected a mod-sequence value');
  const n = Math.min(Number(digits), Number.MAX_SAFE_INTEGER);
  if (nonZero && n === 0) s.fail('A mod-sequence value must not be 0');
  return n;
}

/** The `(…)` of FETCH modifiers (after the SP); fills changedSince / vanished. */
export function parseFetchModifiers(s: Scanner, ctx: ParseContext, cmd: FetchCommand): void {
  s.list(() => {
    const word = parseKeyword(s, 'FETCH modifier');
    if (word === 'CHANGEDSINCE') {
      s.sp();
      cmd.changedSince = parseModseq(s, true);
    } else if (word === 'VANISHED') cmd.vanished = true;
    else s.fail('Unknown FETCH modifier');
  }, false);
  if (cmd.vanished && (!ctx.uid || cmd.changedSince === undefined)) s.fail('VANISHED needs UID FETCH and CHANGEDSINCE');
}

export function writeFetchModifiers(w: WireWriter, c: FetchCommand): void {
  if (c.changedSince === undefined) return;
  w.raw(` (CHANGEDSINCE ${c.changedSince}${c.vanished ? ' VANISHED' : ''})`);
}

/** The `(UNCHANGEDSINCE n)` of STORE, when the scanner is at `(`; fills unchangedSince. */
export function parseStoreModifiers(s: Scanner, cmd: Pick<StoreCommand, 'unchangedSince'>): void {
  s.list(() => {
    if (parseKeyword(s, 'STORE modifier') !== 'UNCHANGEDSINCE') s.fail('Unknown STORE modifier');
    s.sp();
    cmd.unchangedSince = parseModseq(s);
  }, false);
}

export function writeStoreModifiers(w: WireWriter, c: StoreCommand): void {
  if (c.unchangedSince !== undefined) w.raw(`(UNCHANGEDSINCE ${c.unchangedSince}) `);
}

/** SELECT / EXAMINE parameters: the `(…)` after the mailbox. */
export function parseSelectParams(s: Scanner): SelectParams {
  const params: SelectParams = {};
  s.list(() => {
    const word = parseKeyword(s, 'SELECT parameter');
    if (word === 'CONDSTORE') params.condstore = true;
    else if (word === 'QRESYNC' && !params.qresync) {
      s.sp();
      params.qresync = parseQresync(s);
    } else s.fail('Unknown SELECT parameter');
  }, false);
  return params;
}

function parseQresync(s: Scanner): QresyncParams {
  s.expect(0x28, '(');
  const q: QresyncParams = { uidValidity: s.nzNumber(), modseq: 0 };
  s.sp();
  q.modseq = parseModseq(s, true);
  if (s.accept(0x20) && s.peek() !== 0x28) {
    q.knownUids = parseSequence(s);
    if (!s.accept(0x20)) return close(s, q);
  }
  if (s.peek() === 0x28) {
    s.expect(0x28, '(');
    const seqs = parseSequence(s);
    s.sp();
    q.seqMatch = { seqs, uids: parseSequence(s) };
    s.expect(0x29, ')');
  }
  return close(s, q);
}

function close(s: Scanner, q: QresyncParams): QresyncParams {
  s.expect(0x29, ')');
  if (q.knownUids === '$' || q.seqMatch?.seqs === '$' || q.seqMatch?.uids === '$') s.fail('$ is not allowed in QRESYNC');
  return q;
}

export function writeSelectParams(w: WireWriter, p: SelectParams | undefined): void {
  if (!p || (!p.condstore && !p.qresync)) return;
  const parts: string[] = [];
  if (p.condstore) parts.push('CONDSTORE');
  const q = p.qresync;
  if (q) {
    let text = `QRESYNC (${q.uidValidity} ${q.modseq}`;
    if (q.knownUids) text += ` ${formatSequenceSet(q.knownUids)}`;
    if (q.seqMatch) text += ` (${formatSequenceSet(q.seqMatch.seqs)} ${formatSequenceSet(q.seqMatch.uids)})`;
    parts.push(text + ')');
  }
  w.raw(` (${parts.join(' ')})`);
}

const ENTRY_TYPES = ['priv', 'shared', 'all'] as const;

/** The rest of `MODSEQ …` in SEARCH (after the key word and its SP). */
export function parseModseqKey(s: Scanner): Extract<SearchKey, { key: 'MODSEQ' }> {
  if (s.peek() === DQUOTE) {
    const name = s.string();
    if (!/^\/flags\/\\?[^\s()\]{%*"\\]+$/i.test(name)) s.fail('Bad MODSEQ entry name');
    s.sp();
    const type = s.atom('entry type').toLowerCase();
    if (!(ENTRY_TYPES as readonly string[]).includes(type)) s.fail('Bad MODSEQ entry type');
    s.sp();
    return { key: 'MODSEQ', entry: { name, type: type as (typeof ENTRY_TYPES)[number] }, modseq: parseModseq(s) };
  }
  return { key: 'MODSEQ', modseq: parseModseq(s) };
}

export function writeModseqKey(w: WireWriter, k: Extract<SearchKey, { key: 'MODSEQ' }>): void {
  w.raw('MODSEQ ');
  if (k.entry) w.string(k.entry.name).sp().raw(k.entry.type).sp();
  w.raw(String(k.modseq));
}
