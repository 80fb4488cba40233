/**
 * Mailbox commands (RFC 3501 §6.3; QUOTA RFC 9208):
 *   SELECT / EXAMINE mailbox     CREATE / DELETE mailbox     RENAME old new
 *   SUBSCRIBE / UNSUBSCRIBE mailbox     STATUS mailbox (items)     GETQUOTAROOT mailbox     GETQUOTA root
 * LIST and LSUB are in list.ts.
 * Names are Unicode here (the parser decoded modified UTF-7); `/` is the hierarchy separator.
 */
import { messageCountData, statusData } from '../../response-data.ts';
import { serverWriter, untaggedData, untaggedStatus, type WireValue } from '../../response.ts';
import { MailboxView } from '../mailbox-view.ts';
import { no } from '../errors.ts';
import type { ImapAccount } from '../hooks.ts';
import type { ImapSession } from '../session.ts';
import type { StatusItem } from '../../types.ts';
import { AUTHED, type CommandOf, type CommandSpec } from './spec.ts';
import { checkSelectParams, enableCondstore, selectResponses } from './condstore.ts';
import { isRev2, selectedListData, wire } from './rev2.ts';

export const isInbox = (name: string): boolean => name.toUpperCase() === 'INBOX';
/** INBOX in any case is INBOX (RFC 3501 §5.1); other names are case-sensitive. */
export const canonical = (name: string): string => (isInbox(name) ? 'INBOX' : name);

export const SELECT: CommandSpec<CommandOf<'SELECT' | 'EXAMINE'>> = {
  states: AUTHED,
  async run(s, cmd) {
    const account = s.account!;
    const name = canonical(cmd.mailbox);
    checkSelectParams(s, cmd.select);
    if (s.state.kind === 'selected') {
      s.state = { kind: 'authenticated', account };
      s.send(untaggedStatus('OK', 'previous mailbox closed', { code: 'CLOSED' }));
    }
    const status = await account.status(name);
    const readOnly = cmd.name === 'EXAMINE';
    const view = new MailboxView(account, name, status.uidValidity, readOnly);
    view.enabled = s.enabled;
    const list = await view.load();
    view.uidNext = status.uidNext;
    const [flagsLine, permanent] = view.flagsResponses();
    s.send(flagsLine!);
    s.send(messageCountData(list.length, 'EXISTS'));
    const rev2 = isRev2(s); // no RECENT, no UNSEEN code, the LIST response (rev2.ts)
    if (!rev2) s.send(messageCountData(list.filter((m) => m.recent).length, 'RECENT'));
    const firstUnseen = list.findIndex((m) => !m.flags.has('\\Seen'));
    if (firstUnseen >= 0 && !rev2) s.send(untaggedStatus('OK', 'first unseen', { code: 'UNSEEN', value: firstUnseen + 1 }));
    s.send(permanent!);
    s.send(untaggedStatus('OK', 'UIDs valid', { code: 'UIDVALIDITY', value: status.uidValidity }));
    s.send(untaggedStatus('OK', 'predicted next UID', { code: 'UIDNEXT', value: status.uidNext }));
    const listLine = rev2 ? await selectedListData(s, name) : undefined;
    if (listLine) s.send(listLine);
    await selectResponses(s, view, cmd.select, status, list);
    s.state = { kind: 'selected', account, mailbox: view };
    s.dirty = false;
    return { text: `${cmd.name} completed`, code: { code: readOnly ? 'READ-ONLY' : 'READ-WRITE' } };
  },
};

const simple = (fn: (a: ImapAccount, name: string) => Promise<void>): CommandSpec<CommandOf<'CREATE' | 'DELETE' | 'SUBSCRIBE' | 'UNSUBSCRIBE'>> => ({
  states: AUTHED,
  async run(s, cmd) {
    await fn(s.account!, canonical(cmd.mailbox).replace(/\/+$/, ''));
    return {};
  },
});

export const CREATE = simple(async (a, name) => {
  if (isInbox(name)) throw no('INBOX always exists', 'ALREADYEXISTS');
  await a.createFolder(name);
  a.changed({ folder: name, mailbox: { kind: 'created' } });
});
export const DELETE: CommandSpec<CommandOf<'DELETE'>> = {
  states: AUTHED,
  async run(s, cmd) {
    const name = canonical(cmd.mailbox);
    if (isInbox(name)) throw no('INBOX cannot be deleted', 'CANNOT');
    if (s.mailbox?.name === name) throw no('close the mailbox before deleting it', 'INUSE');
    await s.account!.deleteFolder(name);
    s.account!.changed({ folder: name, mailbox: { kind: 'deleted' } });
    return {};
  },
};
export const SUBSCRIBE = simple(async (a, name) => {
  await a.setSubscribed(name, true);
  a.changed({ folder: name, mailbox: { kind: 'subscribed' } });
});
export const UNSUBSCRIBE = simple(async (a, name) => {
  await a.setSubscribed(name, false);
  a.changed({ folder: name, mailbox: { kind: 'unsubscribed' } });
});

export const RENAME: CommandSpec<CommandOf<'RENAME'>> = {
  states: AUTHED,
  async run(s, cmd) {
    const from = canonical(cmd.mailbox);
    const to = canonical(cmd.newName);
    if (isInbox(to)) throw no('cannot rename onto INBOX', 'ALREADYEXISTS');
    await s.account!.renameFolder(from, to);
    s.account!.changed({ folder: from, mailbox: { kind: 'renamed', to } });
    followRename(s, from, to);
    return {};
  },
};

/**
 * RENAME of the selected mailbox, or of one of its parents, is allowed (RFC 3501 §6.3.5, RFC 9051
 * §6.3.6). The session stays selected on the new name, as Dovecot does: the rename keeps
 * UIDVALIDITY, UIDs and flags, so every number the client holds stays valid and there is nothing
 * to announce. Deselecting is not an option: the client did not ask to leave the selected state,
 * and RFC 9051 §7.1 defines `OK [CLOSED]` only as the boundary SELECT/EXAMINE draws when one
 * mailbox replaces another. INBOX is special: its messages move to the new name and INBOX stays,
 * empty, so a session on INBOX stays there and gets `* n EXPUNGE` for them before the tagged OK
 * (RENAME is not a command during which expunges are held back, §7.4.1). Inferiors of INBOX are
 * not renamed with it.
 */
function followRename(s: ImapSession, from: string, to: string): void {
  const mb = s.mailbox;
  if (!mb) return;
  if (from === 'INBOX') {
    if (mb.name === 'INBOX') s.dirty = true;
  } else if (mb.name === from || mb.name.startsWith(`${from}/`)) {
    mb.renamed(to + mb.name.slice(from.length));
  }
}

export const STATUS: CommandSpec<CommandOf<'STATUS'>> = {
  states: AUTHED,
  async run(s, cmd) {
    if (cmd.items.includes('HIGHESTMODSEQ')) enableCondstore(s); // RFC 7162 §3.1
    s.send(await statusResponse(s, canonical(cmd.mailbox), cmd.items));
    return {};
  },
};

/**
 * `* STATUS name (…)` for `items` of folder `name` (canonical), as STATUS and LIST RETURN (STATUS)
 * send it; APPENDLIMIT is the session's largest APPEND (none: NIL). Rejects like the account's
 * status() (NONEXISTENT for a missing folder).
 */
export async function statusResponse(s: ImapSession, name: string, items: readonly StatusItem[]): Promise<Buffer> {
  const a = s.account!;
  const appendLimit = s.o.maxMessageSize;
  const st = await a.status(name);
  const needList = items.some((i) => i === 'SIZE' || i === 'DELETED' || i === 'DELETED-STORAGE' || i === 'RECENT');
  const list = needList ? await a.listMessages(name) : [];
  const deleted = list.filter((m) => m.flags.has('\\Deleted'));
  const recent = (): number => a.claimRecent(name, list.filter((m) => m.recent).map((m) => m.uid), true).size;
  const value = (item: StatusItem): number | null => {
    switch (item) {
      case 'MESSAGES': return st.messages;
      // \Recent belongs to the first session told of a message (RFC 3501 §2.3.2): one another
      // session already claimed is not recent any more for anyone else, as Dovecot counts it
      case 'RECENT': return recent();
      case 'UIDNEXT': return st.uidNext;
      case 'UIDVALIDITY': return st.uidValidity;
      case 'UNSEEN': return st.unseen;
      case 'DELETED': return deleted.length;
      case 'SIZE': return list.reduce((n, m) => n + m.size, 0);
      // What EXPUNGE would free of the account's STORAGE usage, in octets like SIZE (Cyrus
      // reports octets too). Quota usage counts every copy in full (the maildir store's hard
      // links included), so expunging frees exactly this sum.
      case 'DELETED-STORAGE': return deleted.reduce((n, m) => n + m.size, 0);
      case 'HIGHESTMODSEQ': return st.highestModseq; // RFC 7162 §3.1.6
      // RFC 7889 §3: the same for every mailbox, as advertised in APPENDLIMIT=n (general.ts)
      case 'APPENDLIMIT': return appendLimit !== undefined && Number.isFinite(appendLimit) ? appendLimit : null;
    }
  };
  return statusData(name, items.map((item) => ({ item, value: value(item) })), wire(s));
}

/**
 * One quota root, "" (the whole account), with its STORAGE usage and limit in KiB (RFC 9208), or
 * no resource when the account has no limit. MESSAGE is never reported: there is no such limit.
 */
async function quotaResponse(s: ImapSession): Promise<Buffer> {
  const q = await s.account!.quota();
  const items: WireValue[] = [];
  if (q.limitBytes > 0) items.push({ atom: 'STORAGE' }, Math.ceil(q.usedBytes / 1024), Math.floor(q.limitBytes / 1024));
  return untaggedData([{ atom: 'QUOTA' }, '', items]);
}

export const GETQUOTAROOT: CommandSpec<CommandOf<'GETQUOTAROOT'>> = {
  states: AUTHED,
  async run(s, cmd) {
    await s.account!.status(canonical(cmd.mailbox)); // NONEXISTENT for a missing mailbox
    s.send(serverWriter(wire(s)).raw('* QUOTAROOT ').mailbox(canonical(cmd.mailbox)).raw(' ""').crlf().toBuffer());
    s.send(await quotaResponse(s));
    return {};
  },
};

export const GETQUOTA: CommandSpec<CommandOf<'GETQUOTA'>> = {
  states: AUTHED,
  async run(s, cmd) {
    if (cmd.mailbox !== '') throw no('no such quota root', 'NONEXISTENT');
    s.send(await quotaResponse(s));
    return {};
  },
};
