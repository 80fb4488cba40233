/**
 * ImapAccount (the protocol core's view of one account) over a storage AccountStore shared by
 * all of the account's sessions in this process. The store keeps subscriptions (Dovecot's
 * maildir `subscriptions` file) and quota usage; the limit comes from the account directory;
 * SPECIAL-USE attributes follow folder names.
 * Change notifications go through the per-account ChangeBus; a session is not told of its own.
 */
import type { AccountStore } from '../../src/storage/types.ts';
import type { SharedAccountState } from './account-registry.ts';
import type { ImapAccount, ImapQuota, MailboxChange } from '../../src/protocol/imap/server/hooks.ts';

/** In-process notifications of changes to accounts (all sessions of an account run here). */
/** In-process notifications of changes to accounts, per account: a change costs one call per session of that account. */
export class ChangeBus {
  private readonly listeners = new Map<string, Set<ChangeListener>>();

  /** Calls `listener` for every change to `account`; returns the unsubscribe function. */
  subscribe(account: string, listener: ChangeListener): () => void {
    let set = this.listeners.get(account);
    if (!set) this.listeners.set(account, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(account) === set) this.listeners.delete(account);
    };
  }

  /** A delivery or a session (`origin`) changed `folder` of `account`. */
  notify(account: string, change: MailboxChange = { folder: 'INBOX', added: true }, origin?: object): void {
    for (const l of this.listeners.get(account) ?? []) l(change, origin);
  }
}

type ChangeListener = (change: MailboxChange, origin: object | undefined) => void;

export interface SubscriptionFile { load(): Promise<string[]>; save(names: string[]): Promise<void> }

const SPECIAL_USE: Record<string, string> = { sent: '\\Sent', 'sent messages': '\\Sent', 'sent items': '\\Sent', drafts: '\\Drafts', trash: '\\Trash', 'deleted messages': '\\Trash', junk: '\\Junk', spam: '\\Junk', archive: '\\Archive' };

export interface AccountDeps {
  store: AccountStore;
  /** State shared with the account's other sessions (from AccountRegistry.acquire). */
  shared: SharedAccountState;
  bus: ChangeBus;
  /** Override where subscriptions live (tests); default: the store's own subscriptions. */
  subscriptions?: SubscriptionFile;
  quotaLimitBytes: () => Promise<number>;
  /** Called when the session ends (drops its reference to the shared store). */
  onClose: () => void;
}

export class SessionAccount implements ImapAccount {
  private readonly listeners = new Set<(change: MailboxChange) => void>();
  private readonly unsubscribe: () => void;

  constructor(readonly name: string, private readonly d: AccountDeps) {
    this.unsubscribe = d.bus.subscribe(name, (change, origin) => {
      if (origin === this) return; // a session is not told of its own changes
      for (const l of this.listeners) l(change);
    });
  }

  private get s(): AccountStore { return this.d.store; }
  listFolders(): Promise<string[]> { return this.s.listFolders(); }
  specialUse(folder: string): string | undefined { return folder.includes('/') ? undefined : SPECIAL_USE[folder.toLowerCase()]; }
  createFolder(name: string): Promise<void> { return this.s.createFolder(name); }
  deleteFolder(name: string): Promise<void> {
    this.d.shared.messages.clear(); // a new folder of that name restarts its UIDs
    return this.s.deleteFolder(name).finally(() => this.d.shared.messages.clear());
  }
  renameFolder(from: string, to: string): Promise<void> {
    this.d.shared.messages.clear();
    return this.s.renameFolder(from, to).finally(() => this.d.shared.messages.clear());
  }
  status(folder: string) { return this.s.status(folder); }
  listMessages(folder: string) { return this.s.listMessages(folder); }
  async readMessage(folder: string, uid: number): Promise<Buffer> {
    const cache = this.d.shared.messages;
    const hit = cache.get(folder, uid);
    if (hit) return hit;
    const data = await this.s.readMessage(folder, uid);
    cache.put(folder, uid, data);
    return data;
  }
  appendMessage(folder: string, data: Buffer, flags: string[], date?: Date) { return this.s.appendMessage(folder, data, flags, date); }
  appendMessages(folder: string, messages: ReadonlyArray<{ data: Buffer; flags: string[]; date?: Date }>) {
    return this.s.appendMessages(folder, messages.map((m) => ({ data: m.data, flags: m.flags, ...(m.date ? { internalDate: m.date } : {}) })));
  }
  setFlags(folder: string, uids: number[], flags: string[], mode: 'add' | 'remove' | 'replace', unchangedSince?: number) { return this.s.setFlags(folder, uids, flags, mode, unchangedSince); }
  vanished(folder: string, since: number) { return this.s.vanished(folder, since); }
  expunge(folder: string, uids?: number[]): Promise<number[]> { return this.s.expunge(folder, uids); }
  copyMessages(from: string, uids: number[], to: string) { return this.s.copyMessages(from, uids, to); }
  moveMessages(from: string, uids: number[], to: string) { return this.s.moveMessages(from, uids, to); }

  claimRecent(folder: string, uids: readonly number[], peek = false): ReadonlySet<number> {
    const claimed = this.d.shared.recentClaimed.get(folder) ?? 0;
    const mine = uids.filter((u) => u > claimed);
    if (mine.length && !peek) this.d.shared.recentClaimed.set(folder, Math.max(claimed, ...mine));
    return new Set(mine);
  }

  subscriptions(): Promise<string[]> {
    return this.d.subscriptions ? this.d.subscriptions.load() : this.s.listSubscriptions();
  }

  async setSubscribed(folder: string, subscribed: boolean): Promise<void> {
    const file = this.d.subscriptions;
    if (!file) return this.s.setSubscribed(folder, subscribed);
    const list = new Set(await file.load());
    if (subscribed) list.add(folder);
    else list.delete(folder);
    await file.save([...list].sort());
  }

  async quota(): Promise<ImapQuota> {
    const [usage, limitBytes] = await Promise.all([this.s.quotaUsage(), this.d.quotaLimitBytes()]);
    return { usedBytes: usage.bytes, messages: usage.messages, limitBytes };
  }

  onChange(listener: (change: MailboxChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(change: MailboxChange): void { this.d.bus.notify(this.name, change, this); }

  async close(): Promise<void> {
    this.unsubscribe();
    this.listeners.clear();
    this.d.onClose();
  }
}
