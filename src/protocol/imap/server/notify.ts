/**
 * A session's NOTIFY state (RFC 5465): which events of which mailboxes the client asked for, and
 * the untagged responses that report them. Changes arrive from the account's change bus (other
 * sessions of the account on this node and deliveries; a session is not told of its own).
 *
 * Contracts:
 * - Non-selected mailboxes (§5.1–5.5): MessageNew / MessageExpunge send
 *   `* STATUS name (MESSAGES n UIDNEXT n UNSEEN n)`, FlagChange `* STATUS name (UNSEEN n)`, both
 *   with HIGHESTMODSEQ once CONDSTORE is on — left out when every value is what was last reported
 *   for that mailbox (a \Deleted flag leaves UNSEEN alone), as Dovecot does; MailboxName sends `* LIST () "/" name` for a created
 *   mailbox, `* LIST (\NonExistent) "/" name` for a deleted one and
 *   `* LIST () "/" new ("OLDNAME" (old))` for a rename; SubscriptionChange
 *   `* LIST (\Subscribed) "/" name` or `* LIST () "/" name`. They are sent when the change is
 *   announced, between or during commands (each response is written whole).
 * - A mailbox's events are those of the first event group whose filter matches it (SELECTED and
 *   SELECTED-DELAYED match only the selected mailbox; the other filters never match it).
 * - The selected mailbox keeps the ordinary updates (EXISTS, EXPUNGE, FETCH FLAGS) at the end of
 *   commands. Only with a SELECTED / SELECTED-DELAYED group that has events does IDLE wake for
 *   them (NOTIFY NONE or no such group: reported at the next command); MessageNew's fetch
 *   attributes add `* n FETCH (…)` for each new message after its EXISTS (BODY[] as BODY.PEEK[]:
 *   a notification never sets \Seen).
 */
import { serverWriter } from '../response.ts';
import type { FetchAtt, NotifyGroup, StatusItem } from '../types.ts';
import type { MailboxChange } from './hooks.ts';
import type { MailboxView } from './mailbox-view.ts';
import type { ImapSession } from './session.ts';
import { canonical } from './commands/mailboxes.ts';
import { statusData } from '../response-data.ts';
import type { ImapFolderStatus } from './hooks.ts';
import { FETCH } from './commands/fetch.ts';

const MESSAGE_EVENTS = ['MessageNew', 'MessageExpunge', 'FlagChange'];
const STATUS_VALUE = {
  MESSAGES: (st: ImapFolderStatus) => st.messages,
  UIDNEXT: (st: ImapFolderStatus) => st.uidNext,
  UIDVALIDITY: (st: ImapFolderStatus) => st.uidValidity,
  UNSEEN: (st: ImapFolderStatus) => st.unseen,
  HIGHESTMODSEQ: (st: ImapFolderStatus) => st.highestModseq,
};

export class Notifier {
  private chain: Promise<void> = Promise.resolve();
  /** The values last reported per mailbox. */
  private readonly lastStatus = new Map<string, Map<StatusItem, number>>();

  /** `groups: []` is NOTIFY NONE. */
  constructor(private readonly s: ImapSession, readonly groups: readonly NotifyGroup[]) {}

  private get selectedGroup(): NotifyGroup | undefined {
    return this.groups.find((g) => g.filter.kind === 'SELECTED' || g.filter.kind === 'SELECTED-DELAYED');
  }

  /** Whether changes to the selected mailbox are reported as they happen (IDLE wakes). */
  get wantsSelected(): boolean { return (this.selectedGroup?.events?.length ?? 0) > 0; }

  private get newMessageFetch(): FetchAtt[] | undefined {
    return this.selectedGroup?.events?.find((e) => e.name === 'MessageNew')?.fetch;
  }

  /** The events for non-selected mailbox `folder` (the first matching group), or undefined. */
  private async eventsFor(folder: string): Promise<Set<string> | undefined> {
    for (const g of this.groups) {
      if (await this.matches(g, folder)) return new Set(g.events?.map((e) => e.name) ?? []);
    }
    return undefined;
  }

  private async matches(g: NotifyGroup, folder: string): Promise<boolean> {
    const f = g.filter;
    switch (f.kind) {
      case 'SELECTED': case 'SELECTED-DELAYED': return false;
      case 'PERSONAL': return true;
      case 'INBOXES': return folder === 'INBOX';
      case 'SUBSCRIBED': return (await this.s.account!.subscriptions()).includes(folder);
      case 'MAILBOXES': return f.mailboxes.some((m) => canonical(m) === folder);
      case 'SUBTREE': return f.mailboxes.some((m) => canonical(m) === folder || folder.startsWith(`${canonical(m)}/`));
    }
  }

  /** Called for every change another session or a delivery announced. */
  onChange(change: MailboxChange): void {
    this.chain = this.chain.then(() => this.report(change)).catch((err: unknown) => this.s.io.log('warn', { err }, 'notify failed'));
  }

  /** Settles once every change announced so far is reported (tests, and NOTIFY's own STATUS). */
  settled(): Promise<void> { return this.chain; }

  private send(b: Buffer): void {
    if (this.s.state.kind !== 'logout' && this.s.notifier === this) this.s.send(b);
  }

  private async report(change: MailboxChange): Promise<void> {
    const m = change.mailbox;
    if (m) {
      const events = (await this.eventsFor(change.folder)) ?? (m.to !== undefined ? await this.eventsFor(m.to) : undefined);
      if (!events) return;
      if (m.kind === 'subscribed' || m.kind === 'unsubscribed') {
        if (events.has('SubscriptionChange')) this.send(listLine(m.kind === 'subscribed' ? ['\\Subscribed'] : [], change.folder));
      } else if (events.has('MailboxName')) {
        if (m.kind === 'created') this.send(listLine([], change.folder));
        else if (m.kind === 'deleted') this.send(listLine(['\\NonExistent'], change.folder));
        else this.send(listLine([], m.to!, change.folder));
      }
      return;
    }
    if (this.s.mailbox?.name === change.folder) return; // the selected mailbox: ordinary updates
    const events = await this.eventsFor(change.folder);
    if (!events) return;
    const items: StatusItem[] = [];
    const known = change.flags || change.expunged;
    if ((!known && events.has('MessageNew')) || (change.expunged && events.has('MessageExpunge'))) items.push('MESSAGES', 'UIDNEXT', 'UNSEEN');
    else if (change.flags && events.has('FlagChange')) items.push('UNSEEN');
    if (!items.length) return;
    await this.sendStatus(change.folder, items);
  }

  /** Sends `* STATUS folder (items)` unless every value is what this request last reported for it (as Dovecot skips them). */
  private async sendStatus(folder: string, items: StatusItem[]): Promise<void> {
    if (this.s.enabled.has('CONDSTORE')) items = [...items, 'HIGHESTMODSEQ'];
    const st = await this.s.account!.status(folder).catch((err: { code?: unknown }) => {
      if (err.code === 'NO_SUCH_MAILBOX') return undefined; // gone meanwhile: its MailboxName event says so
      throw err;
    });
    if (!st) return;
    const values = items.map((item) => ({ item, value: STATUS_VALUE[item as keyof typeof STATUS_VALUE]?.(st) ?? 0 }));
    const last = this.lastStatus.get(folder) ?? new Map<StatusItem, number>();
    if (values.every((v) => last.get(v.item) === v.value)) return;
    for (const v of values) last.set(v.item, v.value);
    this.lastStatus.set(folder, last);
    this.send(statusData(folder, values));
  }

  /** NOTIFY SET (STATUS): the state of every non-selected mailbox whose group asks for message events. */
  async initialStatus(): Promise<void> {
    for (const folder of await this.s.account!.listFolders()) {
      if (this.s.mailbox?.name === folder) continue;
      const events = await this.eventsFor(folder);
      if (events && MESSAGE_EVENTS.some((e) => events.has(e))) await this.sendStatus(folder, ['MESSAGES', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN']);
    }
  }

  /** After the selected mailbox synced: MessageNew's fetch attributes for messages past `lastUid`. */
  async afterSync(mb: MailboxView, lastUid: number): Promise<void> {
    const atts = this.newMessageFetch;
    if (!atts?.length) return;
    const first = mb.uids.findIndex((u) => u > lastUid);
    if (first < 0) return;
    const items = atts.map((a): FetchAtt => (a.kind === 'BODY[]' ? { ...a, peek: true } : a));
    await FETCH.run(this.s, { tag: '*', name: 'FETCH', uid: false, sequence: [{ from: first + 1, to: mb.uids.length }], items });
  }
}

/** `* LIST (attrs) "/" name`, with `("OLDNAME" (old))` after a rename (RFC 5465 §5.4). */
function listLine(attributes: string[], name: string, oldName?: string): Buffer {
  const w = serverWriter().raw('* LIST ');
  w.list(attributes, (a) => w.flag(a));
  w.raw(' "/" ').mailbox(name);
  if (oldName !== undefined) w.raw(' ("OLDNAME" (').mailbox(oldName).raw('))');
  return w.crlf().toBuffer();
}
