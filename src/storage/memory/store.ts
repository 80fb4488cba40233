/**
 * In-memory MailStore for protocol tests: the same contract as the Maildir store (names, flags,
 * errors, UID rules, copy/move/rename semantics), no disk. Accounts live as long as the MemoryStore,
 * so reopening an account sees its earlier messages; `recent` is reset on each openAccount.
 *
 * Modseqs follow the contract of ../modseq.ts (one new modseq per commit, tombstones for
 * expunges); they live as long as the MemoryStore, like the messages.
 *
 * Differences, by design: `fenceToken` is ignored (there is no fence file; `beforeCommit` still runs
 * before every commit), and there is no 26-keyword limit.
 */
import type { AccountName } from '../../util/account.ts';
import { StorageError } from '../errors.ts';
import { applyFlags, isSameOrInferior, normaliseFlags, normaliseFolderName, parentNames, sortFolderNames, wholeSeconds } from '../names.ts';
import { systemClock, type Clock } from '../../util/clock.ts';
import { missingUids, Tombstones, type UidRange } from '../modseq.ts';
import {
  INBOX,
  type AccountStore,
  type AppendInput,
  type AppendManyResult,
  type AppendResult,
  type CopyResult,
  type FlagMode,
  type FlagUpdate,
  type FolderStatus,
  type MailStore,
  type MessageInfo,
  type OpenAccountOptions,
  type QuotaUsage,
} from '../types.ts';

interface Msg {
  readonly data: Buffer;
  flags: Set<string>;
  readonly internalDate: Date;
  recent: boolean;
  modseq: number;
}

interface Folder {
  readonly uidValidity: number;
  nextUid: number;
  readonly msgs: Map<number, Msg>; // insertion order = ascending UID
  highestModseq: number;
  readonly tombstones: Tombstones;
}

/** A new modseq for one commit in `f`. */
const nextModseq = (f: Folder): number => ++f.highestModseq;

type Account = Map<string, Folder>;

export class MemoryStore implements MailStore {
  private readonly accounts = new Map<string, Account>();
  private readonly subscriptions = new Map<string, Set<string>>();
  private lastUidValidity = 0;

  constructor(private readonly clock: Clock = systemClock) {}

  async openAccount(account: AccountName, options: OpenAccountOptions = {}): Promise<AccountStore> {
    let folders = this.accounts.get(account.address);
    if (!folders) {
      folders = new Map([[INBOX, this.newFolder()]]);
      this.accounts.set(account.address, folders);
    }
    for (const f of folders.values()) for (const m of f.msgs.values()) m.recent = false;
    let subs = this.subscriptions.get(account.address);
    if (!subs) this.subscriptions.set(account.address, (subs = new Set()));
    return new MemoryAccount(account, folders, subs, options, () => this.newFolder(), () => this.clock.now());
  }

  private newFolder(): Folder {
    this.lastUidValidity = Math.max(this.lastUidValidity + 1, Math.floor(this.clock.now() / 1000));
    return { uidValidity: this.lastUidValidity, nextUid: 1, msgs: new Map(), highestModseq: 1, tombstones: new Tombstones() };
  }
}

class MemoryAccount implements AccountStore {
  private closed = false;

  constructor(
    readonly account: AccountName,
    private readonly folders: Account,
    private readonly subs: Set<string>,
    private readonly o: OpenAccountOptions,
    private readonly newFolder: () => Folder,
    private readonly now: () => number,
  ) {}

  async listFolders(): Promise<string[]> {
    this.open();
    return sortFolderNames(this.folders.keys());
  }

  async createFolder(name: string): Promise<void> {
    const n = this.name(name);
    if (this.folders.has(n)) throw new StorageError('MAILBOX_EXISTS', 'folder exists');
    await this.commit();
    for (const p of [...parentNames(n), n]) if (!this.folders.has(p)) this.folders.set(p, this.newFolder());
  }

  async deleteFolder(name: string): Promise<void> {
    const n = this.name(name);
    if (n === INBOX) throw new StorageError('CANNOT', 'INBOX cannot be deleted');
    this.folder(n);
    await this.commit();
    this.folders.delete(n);
  }

  async renameFolder(from: string, to: string): Promise<void> {
    const [f, t] = [this.name(from), this.name(to)];
    if (this.folders.has(t)) throw new StorageError('MAILBOX_EXISTS', 'target folder exists');
    const src = this.folder(f);
    if (f === INBOX) {
      await this.commit();
      for (const p of [...parentNames(t), t]) if (!this.folders.has(p)) this.folders.set(p, this.newFolder());
      this.transferNow(src, [...src.msgs.keys()], this.folder(t), true);
      return;
    }
    if (isSameOrInferior(t, f)) throw new StorageError('CANNOT', 'cannot rename a folder into itself');
    const moves = [...this.folders.keys()].filter((n) => isSameOrInferior(n, f)).map((n) => [n, t + n.slice(f.length)] as const);
    if (moves.some(([, target]) => this.folders.has(target))) throw new StorageError('MAILBOX_EXISTS', 'target folder exists');
    await this.commit();
    for (const p of parentNames(t)) if (!this.folders.has(p)) this.folders.set(p, this.newFolder());
    for (const [source, target] of moves) {
      this.folders.set(target, this.folders.get(source)!);
      this.folders.delete(source);
    }
  }

  async status(folder: string): Promise<FolderStatus> {
    const f = this.folder(this.name(folder));
    const msgs = [...f.msgs.values()];
    return {
      uidValidity: f.uidValidity,
      uidNext: f.nextUid,
      messages: msgs.length,
      unseen: msgs.filter((m) => !m.flags.has('\\Seen')).length,
      recent: msgs.filter((m) => m.recent).length,
      highestModseq: f.highestModseq,
    };
  }

  async listMessages(folder: string): Promise<MessageInfo[]> {
    const f = this.folder(this.name(folder));
    return [...f.msgs].map(([uid, m]) => ({ uid, flags: new Set(m.flags), size: m.data.length, internalDate: m.internalDate, recent: m.recent, modseq: m.modseq }));
  }

  async readMessage(folder: string, uid: number): Promise<Buffer> {
    const m = this.folder(this.name(folder)).msgs.get(uid);
    if (!m) throw new StorageError('NO_SUCH_MESSAGE', `no message with UID ${uid}`);
    return Buffer.from(m.data);
  }

  async appendMessage(folder: string, data: Buffer, flags: Iterable<string> = [], internalDate = new Date(this.now())): Promise<AppendResult> {
    const f = this.folder(this.name(folder));
    const wanted = normaliseFlags(flags);
    await this.commit();
    const uid = f.nextUid++;
    f.msgs.set(uid, { data: Buffer.from(data), flags: wanted, internalDate: new Date(wholeSeconds(internalDate.getTime())), recent: true, modseq: nextModseq(f) });
    return { uid, uidValidity: f.uidValidity };
  }

  async appendMessages(folder: string, messages: readonly AppendInput[]): Promise<AppendManyResult> {
    const f = this.folder(this.name(folder));
    const wanted = messages.map((m) => normaliseFlags(m.flags ?? []));
    await this.commit();
    const modseq = nextModseq(f);
    const uids = messages.map((m, i) => {
      const uid = f.nextUid++;
      const date = wholeSeconds((m.internalDate ?? new Date(this.now())).getTime());
      f.msgs.set(uid, { data: Buffer.from(m.data), flags: wanted[i]!, internalDate: new Date(date), recent: true, modseq });
      return uid;
    });
    return { uids, uidValidity: f.uidValidity };
  }

  async setFlags(folder: string, uids: readonly number[], flags: Iterable<string>, mode: FlagMode, unchangedSince?: number): Promise<FlagUpdate[]> {
    const f = this.folder(this.name(folder));
    const change = normaliseFlags(flags);
    const hits = this.select(f, uids);
    if (hits.length > 0) await this.commit();
    let modseq = 0;
    return hits.map(([uid, m]): FlagUpdate => {
      if (unchangedSince !== undefined && m.modseq > unchangedSince) return { uid, flags: new Set(m.flags), modseq: m.modseq, modified: true };
      const next = applyFlags(m.flags, change, mode);
      if (next.size !== m.flags.size || [...next].some((x) => !m.flags.has(x))) m.modseq = modseq ||= nextModseq(f);
      m.flags = next;
      return { uid, flags: new Set(m.flags), modseq: m.modseq };
    });
  }

  async vanished(folder: string, since: number): Promise<UidRange[]> {
    const f = this.folder(this.name(folder));
    return f.tombstones.since(since) ?? missingUids(f.msgs.keys(), f.nextUid);
  }

  async expunge(folder: string, uids?: readonly number[]): Promise<number[]> {
    const f = this.folder(this.name(folder));
    const victims = uids ? this.select(f, uids) : [...f.msgs].filter(([, m]) => m.flags.has('\\Deleted'));
    if (victims.length > 0) {
      await this.commit();
      f.tombstones.add(victims.map(([uid]) => uid), nextModseq(f));
    }
    for (const [uid] of victims) f.msgs.delete(uid);
    return victims.map(([uid]) => uid);
  }

  async copyMessages(from: string, uids: readonly number[], to: string): Promise<CopyResult> {
    return this.transfer(from, uids, to, false);
  }

  async moveMessages(from: string, uids: readonly number[], to: string): Promise<CopyResult> {
    return this.transfer(from, uids, to, true);
  }

  async listSubscriptions(): Promise<string[]> {
    this.open();
    return sortFolderNames(this.subs);
  }

  async setSubscribed(name: string, subscribed: boolean): Promise<void> {
    const n = this.name(name);
    if (this.subs.has(n) === subscribed) return;
    await this.commit();
    if (subscribed) this.subs.add(n);
    else this.subs.delete(n);
  }

  /** O(messages): this store is for tests. */
  async quotaUsage(): Promise<QuotaUsage> {
    this.open();
    let bytes = 0;
    let messages = 0;
    for (const f of this.folders.values()) {
      for (const m of f.msgs.values()) bytes += m.data.length;
      messages += f.msgs.size;
    }
    return { bytes, messages };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private async transfer(from: string, uids: readonly number[], to: string, move: boolean): Promise<CopyResult> {
    const src = this.folder(this.name(from));
    const dst = this.folder(this.name(to));
    if (this.select(src, uids).length > 0) await this.commit();
    return this.transferNow(src, uids, dst, move);
  }

  private transferNow(src: Folder, uids: readonly number[], dst: Folder, move: boolean): CopyResult {
    const map = new Map<number, number>();
    const picked = this.select(src, uids);
    if (picked.length === 0) return { uidValidity: dst.uidValidity, uids: map };
    const modseq = nextModseq(dst);
    for (const [uid, m] of picked) {
      const copy = dst.nextUid++;
      dst.msgs.set(copy, { data: m.data, flags: new Set(m.flags), internalDate: m.internalDate, recent: true, modseq });
      map.set(uid, copy);
      if (move) src.msgs.delete(uid);
    }
    if (move) src.tombstones.add(picked.map(([uid]) => uid), nextModseq(src));
    return { uidValidity: dst.uidValidity, uids: map };
  }

  private select(f: Folder, uids: readonly number[]): Array<[number, Msg]> {
    return [...new Set(uids)].sort((a, b) => a - b).flatMap((u) => {
      const m = f.msgs.get(u);
      return m ? [[u, m] as [number, Msg]] : [];
    });
  }

  private name(name: string): string {
    this.open();
    return normaliseFolderName(name);
  }

  private folder(n: string): Folder {
    const f = this.folders.get(n);
    if (!f) throw new StorageError('NO_SUCH_MAILBOX', 'no such folder');
    return f;
  }

  private open(): void {
    if (this.closed) throw new StorageError('CLOSED', 'account store is closed');
  }

  private async commit(): Promise<void> {
    await this.o.beforeCommit?.();
  }
}
