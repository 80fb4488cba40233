/**
 * SEARCHRES (RFC 5182; part of IMAP4rev2, RFC 9051 §6.4.4.1 and `$` in §9): `SEARCH RETURN (SAVE …)`
 * keeps the result in the selected mailbox's view, and `$` names it wherever a sequence set may
 * stand — FETCH, STORE, COPY, MOVE, UID EXPUNGE (messages.ts) and SEARCH / SORT / THREAD criteria
 * (mime/search.ts) — whether or not the command has the UID prefix (RFC 5182 §2.1).
 *
 *   - The result is a set of UIDs: an expunged message leaves it (§2.1), a new one never joins.
 *   - SAVE with MIN and/or MAX saves only those messages; otherwise every match (§2.4, COUNT and
 *     ALL do not narrow it).
 *   - SAVE alone sends no `* ESEARCH` (§2.4); with other options ESEARCH answers those.
 *   - A SEARCH with SAVE that fails (NO, e.g. BADCHARSET) empties the saved result (§2.1).
 *   - It starts empty at SELECT / EXAMINE and goes with the mailbox (a new view per SELECT).
 * SORT / ESORT RETURN (SAVE) stays refused: RFC 5182 §2.4 asks an ESORT server for it only when
 * both are advertised together with their own rules, which is not done here.
 */
import type { MailboxView } from '../mailbox-view.ts';
import type { Target } from './messages.ts';

/** The saved result's messages still in the view, in mailbox order. */
export function savedTargets(view: MailboxView): Target[] {
  const out: Target[] = [];
  view.uids.forEach((uid, i) => {
    if (view.saved.has(uid)) out.push({ seq: i + 1, uid });
  });
  return out;
}

/** What SEARCH RETURN (SAVE …) saves of `uids` (the matches' UIDs in mailbox order). */
export function toSave(uids: readonly number[], opts: ReadonlySet<string>): Set<number> {
  const min = opts.has('MIN');
  const max = opts.has('MAX');
  if (!min && !max) return new Set(uids);
  const out = new Set<number>();
  if (min && uids.length) out.add(uids[0]!);
  if (max && uids.length) out.add(uids[uids.length - 1]!);
  return out;
}

/** Whether the RETURN options ask for nothing but SAVE: then no `* ESEARCH` is sent. */
export const saveOnly = (opts: ReadonlySet<string>): boolean => opts.size === 1 && opts.has('SAVE');
