/**
 * CONDSTORE and QRESYNC (RFC 7162) in the commands they extend; ENABLE (RFC 5161) turns them on.
 *
 *   ENABLE CONDSTORE | QRESYNC             → * ENABLED …            (RFC 5161 §3.1, RFC 7162 §3.2.3)
 *   ENABLE IMAP4rev2                        → * ENABLED IMAP4rev2    (RFC 9051 §6.3.1; what it changes: rev2.ts)
 *   SELECT / EXAMINE mbox (CONDSTORE)      → * OK [HIGHESTMODSEQ n]  (§3.1.2.1, §3.1.8)
 *   SELECT / EXAMINE mbox (QRESYNC (uidvalidity modseq [known-uids [(seqs uids)]]))
 *                                          → * VANISHED (EARLIER) …, * n FETCH (UID FLAGS MODSEQ) (§3.2.5)
 *   FETCH set (… MODSEQ) [(CHANGEDSINCE n [VANISHED])]                (§3.1.4, §3.1.4.1, §3.2.6)
 *   STORE set (UNCHANGEDSINCE n) …        → OK [MODIFIED set]        (§3.1.3)
 *   SEARCH … MODSEQ n                     → * SEARCH … (MODSEQ m)    (§3.1.5)
 *   STATUS mbox (HIGHESTMODSEQ)                                      (§3.1.6)
 *
 * A session has CONDSTORE on once it used any CONDSTORE-enabling command (§3.1: ENABLE, SELECT
 * (CONDSTORE), FETCH MODSEQ / CHANGEDSINCE, STORE UNCHANGEDSINCE, SEARCH MODSEQ, STATUS
 * HIGHESTMODSEQ); from then on FETCH flag updates carry MODSEQ and SELECT reports HIGHESTMODSEQ.
 * QRESYNC must be ENABLEd before SELECT (QRESYNC) or FETCH (VANISHED), else BAD (§3.2.5, §3.2.6);
 * it implies CONDSTORE and replaces `* n EXPUNGE` by `* VANISHED` (§3.2.10). Every mailbox keeps
 * modseqs persistently, so [NOMODSEQ] is sent only for a store that reports HIGHESTMODSEQ 0.
 */
import { enabledData, fetchData, vanishedData } from '../../response-data.ts';
import { untaggedStatus } from '../../response.ts';
import type { FetchCommand, SearchKey, SelectParams } from '../../types.ts';
import { intersect, setRanges, type UidRange } from '../condstore-ranges.ts';
import { bad } from '../errors.ts';
import type { ImapFolderStatus, ImapMessage } from '../hooks.ts';
import type { MailboxView } from '../mailbox-view.ts';
import type { ImapSession } from '../session.ts';
import { AUTHED, type CommandOf, type CommandSpec } from './spec.ts';
import { canEnableRev2, REV2 } from './rev2.ts';

export const CONDSTORE_CAPABILITIES = ['CONDSTORE', 'QRESYNC'] as const;

/**
 * What ENABLE of each capability (upper-cased, as parsed: names are case-insensitive) turns on,
 * its own spelling first (RFC 7162 §3.2.3: QRESYNC implies CONDSTORE).
 */
const ENABLES: ReadonlyMap<string, readonly string[]> = new Map([
  ['CONDSTORE', ['CONDSTORE']],
  ['QRESYNC', ['QRESYNC', 'CONDSTORE']],
  [REV2.toUpperCase(), [REV2]], // rev2.ts: it implies no CONDSTORE
]);

export const ENABLE: CommandSpec<CommandOf<'ENABLE'>> = {
  states: AUTHED,
  async run(s, cmd) {
    const newly: string[] = [];
    for (const cap of cmd.capabilities) {
      const turns = ENABLES.get(cap); // unknown capabilities are ignored (RFC 5161 §3.1)
      const name = turns?.[0];
      if (!turns || !name || (name === REV2 && !canEnableRev2(s))) continue;
      if (!s.enabled.has(name) && !newly.includes(name)) newly.push(name);
      for (const t of turns) if (t !== 'CONDSTORE') s.enabled.add(t);
    }
    s.send(enabledData(newly));
    if (newly.some((c) => c !== REV2)) enableCondstore(s); // CONDSTORE and QRESYNC imply CONDSTORE
    return {};
  },
};

/**
 * A CONDSTORE-enabling command ran (RFC 7162 §3.1). The first one in the selected state also
 * reports the mailbox's HIGHESTMODSEQ, as SELECT would have: the highest modseq this session has
 * been told of (never one above a change it has not been sent yet; at least 1).
 */
export function enableCondstore(s: ImapSession): void {
  if (s.enabled.has('CONDSTORE')) return;
  s.enabled.add('CONDSTORE');
  const mb = s.mailbox;
  if (!mb) return;
  let highest = 1;
  for (const m of mb.info.values()) if (m.modseq > highest) highest = m.modseq;
  s.send(untaggedStatus('OK', 'highest modseq', { code: 'HIGHESTMODSEQ', value: highest }));
}

/** Before SELECT changes any state: BAD for QRESYNC without ENABLE QRESYNC; turns CONDSTORE on. */
export function checkSelectParams(s: ImapSession, p: SelectParams | undefined): void {
  if (p?.qresync && !s.enabled.has('QRESYNC')) throw bad('QRESYNC must be enabled first (ENABLE QRESYNC)');
  if (p?.condstore) enableCondstore(s);
}

/**
 * The SELECT / EXAMINE responses RFC 7162 adds, after UIDNEXT: HIGHESTMODSEQ (or NOMODSEQ), then
 * for QRESYNC with the right UIDVALIDITY the UIDs that vanished since the client's modseq and the
 * messages changed since, both within known-uids when given. seq-match-data is only a hint for
 * servers that cannot tell expunges apart (§3.2.5.2); this one can, so it is ignored.
 */
export async function selectResponses(s: ImapSession, view: MailboxView, p: SelectParams | undefined, status: ImapFolderStatus, list: readonly ImapMessage[]): Promise<void> {
  if (!s.enabled.has('CONDSTORE')) return;
  if (status.highestModseq === 0) s.send(untaggedStatus('OK', 'no modseqs here', { code: 'NOMODSEQ' }));
  else s.send(untaggedStatus('OK', 'highest modseq', { code: 'HIGHESTMODSEQ', value: status.highestModseq }));
  const q = p?.qresync;
  if (!q || q.uidValidity !== status.uidValidity || status.highestModseq === 0) return;
  const max = Math.max(status.uidNext - 1, list[list.length - 1]?.uid ?? 0);
  if (max < 1) return;
  const known = q.knownUids && q.knownUids !== '$' ? setRanges(q.knownUids, max) : [{ from: 1, to: max }];
  const gone = intersect(await view.account.vanished(view.name, q.modseq), known);
  if (gone.length) s.send(vanishedData(gone, true));
  list.forEach((m, i) => {
    if (m.modseq > q.modseq && within(known, m.uid)) s.send(view.flagUpdate(i + 1, m));
  });
}

function within(ranges: readonly UidRange[], uid: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid]!;
    if (uid < r.from) hi = mid - 1;
    else if (uid > r.to) lo = mid + 1;
    else return true;
  }
  return false;
}

/**
 * FETCH's CONDSTORE part, before any data is sent: enables CONDSTORE for MODSEQ / CHANGEDSINCE,
 * refuses VANISHED without QRESYNC, sends `* VANISHED (EARLIER)` for the UID set, and returns the
 * filter CHANGEDSINCE puts on the targets and whether MODSEQ goes into every response.
 */
export async function fetchPreamble(s: ImapSession, cmd: FetchCommand): Promise<{ keep: (modseq: number) => boolean; modseq: boolean }> {
  const asked = cmd.items.some((a) => a.kind === 'MODSEQ');
  const since = cmd.changedSince;
  if (cmd.vanished && !s.enabled.has('QRESYNC')) throw bad('VANISHED needs ENABLE QRESYNC');
  if (asked || since !== undefined) enableCondstore(s);
  if (cmd.vanished) {
    const mb = s.mailbox!;
    const max = Math.max(mb.uidNext - 1, mb.uids[mb.uids.length - 1] ?? 0);
    if (max >= 1 && cmd.sequence !== '$') {
      const gone = intersect(await mb.account.vanished(mb.name, since!), setRanges(cmd.sequence, max));
      if (gone.length) s.send(vanishedData(gone, true));
    }
  }
  return { keep: since === undefined ? () => true : (m) => m > since, modseq: since !== undefined && !asked };
}

/** Whether a search uses MODSEQ anywhere (its result then carries `(MODSEQ n)`). */
export function usesModseq(key: SearchKey): boolean {
  switch (key.key) {
    case 'MODSEQ': return true;
    case 'NOT': return usesModseq(key.operand);
    case 'OR': return usesModseq(key.left) || usesModseq(key.right);
    case 'AND': return key.operands.some(usesModseq);
    default: return false;
  }
}

/** `* n FETCH (UID u MODSEQ (m))` — what a .SILENT STORE still owes a CONDSTORE client (§3.1.3). */
export function modseqOnly(seq: number, uid: number | undefined, modseq: number): Buffer {
  return fetchData(seq, [...(uid !== undefined ? [{ item: 'UID' as const, value: uid }] : []), { item: 'MODSEQ', value: modseq }]);
}
