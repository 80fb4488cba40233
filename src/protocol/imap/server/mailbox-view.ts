/**
 * A session's view of its selected mailbox (RFC 3501 §5.2, §7.4.1): the message sequence numbers
 * it has announced, each message's UID and last announced flags. `sync()` compares with the store
 * and produces the untagged updates that bring the client up to date:
 *   `* n EXPUNGE` (highest first, so every number is valid when sent), `* N EXISTS` / `* N RECENT`,
 *   `* n FETCH (UID u FLAGS (…))` for flags another session or delivery changed.
 * Expunges are held back while a command forbids them (FETCH, STORE, SEARCH — §7.4.1): `sync(false)`.
 * A keyword the client has not been told of yet comes with a new `* FLAGS (…)` and
 * `* OK [PERMANENTFLAGS (…)]` first (RFC 3501 §7.2.6: FLAGS lists every flag the mailbox uses),
 * whoever set it; keywords once announced stay listed until the next SELECT, as Dovecot does.
 */
import { fetchData, flagsData, messageCountData } from '../response-data.ts';
import { untaggedStatus } from '../response.ts';
import type { ImapAccount, ImapMessage } from './hooks.ts';

export class MailboxView {
  /** uids[seq - 1] = uid of message `seq`. */
  uids: number[] = [];
  readonly flags = new Map<number, ReadonlySet<string>>();
  readonly info = new Map<number, ImapMessage>();
  uidNext = 1;
  /** When the folder was last reread (ms). */
  syncedAt = 0;
  /** Announced by other sessions, not yet sent to this client. */
  private readonly pendingFlags = new Map<number, ReadonlySet<string>>();
  private readonly pendingExpunged = new Set<number>();

  private folder: string;
  /** Keywords announced in FLAGS since SELECT. */
  private readonly keywords = new Set<string>();

  constructor(readonly account: ImapAccount, name: string, readonly uidValidity: number, readonly readOnly: boolean) {
    this.folder = name;
  }

  /** The folder's name in the store; changes only through renamed(). */
  get name(): string { return this.folder; }

  /**
   * Follows a RENAME this session made of the folder or of one of its parents. A rename keeps
   * UIDVALIDITY, UIDs and flags, so the view stays valid as it is; only the name changes.
   */
  renamed(to: string): void {
    this.folder = to;
  }

  get exists(): number { return this.uids.length; }

  /** FLAGS as last announced: the system flags, then the keywords. */
  get flagNames(): string[] { return [...SYSTEM_FLAGS, ...this.keywords]; }

  /** `* FLAGS` and `* OK [PERMANENTFLAGS]` as SELECT sends them (none permanent when read-only). */
  flagsResponses(): Buffer[] {
    const flags = this.flagNames;
    return [
      flagsData(flags),
      untaggedStatus('OK', this.readOnly ? 'no permanent flags' : 'flags allowed', { code: 'PERMANENTFLAGS', flags: this.readOnly ? [] : [...flags, '\\*'] }),
    ];
  }

  /** Records the keywords among `flags`; the FLAGS / PERMANENTFLAGS responses when one is new, else none. */
  announceKeywords(flags: Iterable<string>): Buffer[] {
    let fresh = false;
    for (const f of flags) {
      if (f.startsWith('\\') || this.keywords.has(f)) continue;
      this.keywords.add(f);
      fresh = true;
    }
    return fresh ? this.flagsResponses() : [];
  }

  /**
   * The store's list with `recent` as this session sees it: only messages it claimed first.
   * Messages already in the view keep the `recent` they were announced with.
   */
  private async current(): Promise<ImapMessage[]> {
    const list = await this.account.listMessages(this.name);
    const fresh = list.filter((m) => m.recent && !this.info.has(m.uid)).map((m) => m.uid);
    const mine = fresh.length ? this.account.claimRecent(this.name, fresh, this.readOnly) : new Set<number>();
    return list.map((m) => {
      const recent = this.info.get(m.uid)?.recent ?? mine.has(m.uid);
      return m.recent === recent ? m : { ...m, recent };
    });
  }

  /** Loads the current state silently (SELECT announces it itself). */
  async load(): Promise<ImapMessage[]> {
    const list = await this.current();
    this.syncedAt = Date.now();
    this.uids = list.map((m) => m.uid);
    for (const m of list) {
      this.flags.set(m.uid, m.flags);
      this.info.set(m.uid, m);
    }
    this.uidNext = Math.max(this.uidNext, ...list.map((m) => m.uid + 1));
    for (const m of list) this.announceKeywords(m.flags);
    return list;
  }

  seqOf(uid: number): number | undefined {
    // uids ascend: binary search
    let lo = 0;
    let hi = this.uids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.uids[mid]!;
      if (v === uid) return mid + 1;
      if (v < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /**
   * Records flags this session just announced itself (STORE), so sync() does not repeat them.
   * The store's answer is newer than any change queued from other sessions before it, so a
   * queued one for the same message is dropped: flushing it would announce stale flags.
   */
  noteFlags(uid: number, flags: ReadonlySet<string>): void {
    if (!this.flags.has(uid)) return;
    this.flags.set(uid, flags);
    this.pendingFlags.delete(uid);
    const info = this.info.get(uid);
    if (info) this.info.set(uid, { ...info, flags });
  }

  /** Removes UIDs this session expunged and announced itself. */
  noteExpunged(uids: readonly number[]): void {
    const gone = new Set(uids);
    this.uids = this.uids.filter((u) => !gone.has(u));
    for (const u of uids) {
      this.flags.delete(u);
      this.info.delete(u);
    }
  }

  get hasPending(): boolean { return this.pendingFlags.size > 0 || this.pendingExpunged.size > 0; }

  /** Flag changes another session made (applied without rereading the folder). */
  queueFlags(updates: ReadonlyArray<{ uid: number; flags: ReadonlySet<string> }>): void {
    for (const u of updates) if (this.flags.has(u.uid)) this.pendingFlags.set(u.uid, u.flags);
  }

  queueExpunged(uids: readonly number[]): void {
    for (const u of uids) if (this.flags.has(u)) this.pendingExpunged.add(u);
  }

  /** `* n FETCH (UID FLAGS)` for queued flag changes, then `* n EXPUNGE` (if allowed) for queued expunges. */
  flushPending(allowExpunge: boolean): Buffer[] {
    const out: Buffer[] = [];
    for (const [uid, flags] of this.pendingFlags) {
      this.pendingFlags.delete(uid);
      const seq = this.seqOf(uid);
      const seen = this.flags.get(uid);
      if (seq === undefined || !seen || sameFlags(seen, flags)) continue;
      this.flags.set(uid, flags);
      const info = this.info.get(uid);
      if (info) this.info.set(uid, { ...info, flags });
      out.push(...this.announceKeywords(flags));
      out.push(fetchData(seq, [{ item: 'UID', value: uid }, { item: 'FLAGS', flags: flagList({ flags, recent: info?.recent ?? false }) }]));
    }
    if (allowExpunge && this.pendingExpunged.size) {
      const seqs = [...this.pendingExpunged].map((u) => this.seqOf(u)).filter((q): q is number => q !== undefined).sort((a, b) => b - a);
      for (const q of seqs) out.push(messageCountData(q, 'EXPUNGE'));
      this.noteExpunged([...this.pendingExpunged]);
      this.pendingExpunged.clear();
    }
    return out;
  }

  /** Untagged updates since the last sync; expunges only when `allowExpunge`. */
  async sync(allowExpunge: boolean): Promise<Buffer[]> {
    const list = await this.current();
    this.syncedAt = Date.now();
    this.pendingFlags.clear();
    if (allowExpunge) this.pendingExpunged.clear();
    const out: Buffer[] = [];
    const current = new Map(list.map((m) => [m.uid, m]));
    if (allowExpunge) {
      for (let seq = this.uids.length; seq >= 1; seq--) {
        const uid = this.uids[seq - 1]!;
        if (current.has(uid)) continue;
        out.push(messageCountData(seq, 'EXPUNGE'));
        this.uids.splice(seq - 1, 1);
        this.flags.delete(uid);
        this.info.delete(uid);
      }
    }
    const last = this.uids[this.uids.length - 1] ?? 0;
    const added = list.filter((m) => m.uid > last);
    for (const m of list) {
      if (m.uid > last) continue;
      const seen = this.flags.get(m.uid);
      if (seen && !sameFlags(seen, m.flags)) {
        this.flags.set(m.uid, m.flags);
        this.info.set(m.uid, m);
        out.push(...this.announceKeywords(m.flags));
        out.push(fetchData(this.seqOf(m.uid)!, [{ item: 'UID', value: m.uid }, { item: 'FLAGS', flags: flagList(m) }]));
      }
    }
    if (added.length) {
      out.push(...this.announceKeywords(added.flatMap((m) => [...m.flags])));
      for (const m of added) {
        this.uids.push(m.uid);
        this.flags.set(m.uid, m.flags);
        this.info.set(m.uid, m);
      }
      this.uidNext = Math.max(this.uidNext, added[added.length - 1]!.uid + 1);
      out.push(messageCountData(this.uids.length, 'EXISTS'));
      out.push(messageCountData([...this.info.values()].filter((m) => m.recent).length, 'RECENT'));
    }
    return out;
  }
}

const SYSTEM_FLAGS = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'];

function sameFlags(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const f of a) if (!b.has(f)) return false;
  return true;
}

/** FLAGS as sent: stored flags plus `\Recent` for messages recent to this session. */
export function flagList(m: { flags: ReadonlySet<string>; recent: boolean }): string[] {
  return m.recent ? [...m.flags, '\\Recent'] : [...m.flags];
}
