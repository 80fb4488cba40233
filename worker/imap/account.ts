/**
 * ImapAccount (the protocol core's view of one account) over a storage AccountStore shared by
 * all of the account's sessions in this process. The store keeps subscriptions (Dovecot's
 * maildir `subscriptions` file) and quota usage; the limit comes from the account directory;
 * SPECIAL-USE attributes follow folder names.
 * Change notifications go through the per-account ChangeBus; a session is not told of its own.
 */
import { EventEmitter } from 'node:events';
import type { AccountStore } from '../../src/storage/types.ts';
import type { SharedAccountState } from './account-registry.ts';
import type { ImapAccount, ImapQuota, MailboxChange } from '../../src/protocol/imap/server/hooks.ts';

/** In-process notifications of changes to accounts (all sessions of an account run here). */
export class ChangeBus extends EventEmitter<{ change: [account: string, change: MailboxChange, origin: object | undefined] }> {
  constructor() {
    super();
    this.setMaxListeners(0);
  }
  /** A delivery or another session changed `folder` of `account`. */
  notify(account: string, change: MailboxChange = { folder: 'INBOX', added: true }, origin?: object): void {
    this.emit('change', account, change, origin);
  }
}

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
  private readonly onBus = (account: string, change: MailboxChange, origin: object | undefined): void => {
    if (account !== this.name || origin === this) return;
    for (const l of this.listeners) l(change);
  };

  constructor(readonly name: string, private readonly d: AccountDeps) {
    d.bus.on('change', this.onBus);
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
  setFlags(folder: string, uids: number[], flags: string[], mode: 'add' | 'remove' | 'replace') { return this.s.setFlags(folder, uids, flags, mode); }
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
    this.d.bus.off('change', this.onBus);
    this.listeners.clear();
    this.d.onClose();
  }
}
