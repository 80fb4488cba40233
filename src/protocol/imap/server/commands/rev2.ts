/**
 * IMAP4rev2 (RFC 9051) for a session that sent `ENABLE IMAP4rev2` (§6.3.1). The server speaks
 * both revisions and advertises both; a session that did not enable rev2 keeps every IMAP4rev1
 * answer. What ENABLE IMAP4rev2 changes here (RFC 9051 Appendix E):
 *   - \Recent is gone (items 6, 7): no `* n RECENT` in SELECT or later updates, no `\Recent` in
 *     FLAGS. Such a session does not claim messages as recent either (it opens the mailbox as
 *     EXAMINE would, §2.3.2 of RFC 3501), so a rev1 session on the same mailbox still gets them.
 *   - SEARCH answers in ESEARCH form (item 3, §6.4.4 / §7.3.4): without RETURN it is RETURN (ALL),
 *     `* ESEARCH (TAG "t") [UID] [ALL set]`, never `* SEARCH`.
 *   - SELECT / EXAMINE send no `OK [UNSEEN n]` (item 8) and do send the mailbox's LIST response
 *     with its attributes (§6.3.2: "The server MUST return a LIST response with the mailbox name").
 *   - Mailbox names are UTF-8, not modified UTF-7 (item 1, §5.1), both ways: commands are parsed
 *     with `utf8` (session.ts) and every response naming a mailbox — LIST, LSUB, STATUS,
 *     QUOTAROOT, SELECT's LIST — is written with it (`wire()`). Names are Unicode inside, so a
 *     rev1 session sees the same mailbox in modified UTF-7. Names are taken as sent, not
 *     normalised to NFC (§5.1 lets a server refuse or normalise; no OLDNAME is sent).
 * ENABLE IMAP4rev2 is honoured only in the authenticated state (§6.3.1, RFC 5161 §3.1: "before any
 * mailbox is selected"): in the selected state it is not enabled and not listed in `* ENABLED`,
 * so the client knows it still talks rev1 about the mailbox it has open.
 * The rest of rev2 is rev1 plus extensions already advertised (general.ts).
 */
import { listData } from '../../response-data.ts';
import type { ResponseOptions } from '../../response.ts';
import type { ImapSession } from '../session.ts';
import { FolderTree, listEntries } from './list.ts';

export const REV2 = 'IMAP4rev2';

/** How responses naming a mailbox are written: UTF-8 for a rev2 session, modified UTF-7 otherwise. */
export const wire = (s: { enabled: ReadonlySet<string> }): ResponseOptions => ({ utf8: isRev2(s) });

/** Whether the session ENABLEd IMAP4rev2. */
export const isRev2 = (s: { enabled: ReadonlySet<string> }): boolean => s.enabled.has(REV2);

/** Whether ENABLE may turn IMAP4rev2 on now: only before a mailbox is selected. */
export const canEnableRev2 = (s: ImapSession): boolean => s.state.kind === 'authenticated';

/** The RETURN options a SEARCH without RETURN gets: ALL for a rev2 session, else none (`* SEARCH`). */
export function defaultSearchReturn(s: ImapSession): Set<string> | undefined {
  return isRev2(s) ? new Set(['ALL']) : undefined;
}

/** `* LIST (attributes) "/" name` for the mailbox SELECT opened, as plain LIST would list it. */
export async function selectedListData(s: ImapSession, name: string): Promise<Buffer | undefined> {
  const a = s.account!;
  const entry = listEntries(new FolderTree(await a.listFolders()), (n) => n === name, (n) => a.specialUse(n))[0];
  return entry && listData('LIST', entry, wire(s));
}
