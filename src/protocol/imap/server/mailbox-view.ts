/**
 * A session's view of its selected mailbox (RFC 3501 §5.2, §7.4.1): the message sequence numbers
 * it has announced, each message's UID and last announced flags. `sync()` compares with the store
 * and produces the untagged updates that bring the client up to date:
 *   `* n EXPUNGE` (highest first, so every number is valid when sent), `* N EXISTS` / `* N RECENT`
 *   (no RECENT once IMAP4rev2 is enabled),
 *   `* n FETCH (UID u FLAGS (…))` for flags another session or delivery changed.
 * Expunges are held back while a command forbids them (FETCH, STORE, SEARCH — §7.4.1): `sync(false)`.
 * Once the session enabled CONDSTORE (RFC 7162 §3.1), flag updates carry `MODSEQ (n)`, and a
 * modseq change alone is reported too; once it enabled QRESYNC (§3.2.10), expunges are one
 * `* VANISHED uid-set` instead of `* n EXPUNGE` each.

 * A keyword the client has not been told of yet comes with a new `* FLAGS (…)` and
 * `* OK [PERMANENTFLAGS (…)]` first (RFC 3501 §7.2.6: FLAGS lists every flag the mailbox uses),
 * whoever set it; keywords once announced stay listed until the next SELECT, as Dovecot does.
 */
import { fetchData, flagsData, messageCountData, vanishedData, type FetchResponseItem } from '../response-data.ts';
import { untaggedStatus } from '../response.ts';
import { toRanges } from './condstore-ranges.ts';
import { isRev2 } from './commands/rev2.ts';
import type { ImapAccount, ImapFlagUpdate, ImapMessage } from './hooks.ts';

export class MailboxView {
  /** uids[seq - 1] = uid of message `seq`. */
  uids: number[] = [];
  /** msgs[seq - 1] = what was last announced of message `seq` (kept in step with `uids`). */
  private msgs: ImapMessage[] = [];
  /** The messages by UID: a view of `msgs` (a Map would cost about 50 B a message, issue 16). */
  readonly info = new MessagesOf(this);
  /** Each message's last announced flags: a view of `info` (one map per message, not two). */
  readonly flags = new FlagsOf(this.info);
  uidNext = 1;
  /** When the folder was last reread (ms). */
  syncedAt = 0;
  /** Announced by other sessions, not yet sent to this client. */
  private readonly pendingFlags = new Map<number, ImapFlagUpdate>();
  /** The session's ENABLEd extensions (shared with the session: ENABLE after SELECT counts). */
  enabled: ReadonlySet<string> = new Set();
  private readonly pendingExpunged = new Set<number>();
  /**
   * UIDs of the saved search result `$` (SEARCHRES, searchres.ts): empty at SELECT, replaced by
   * SEARCH RETURN (SAVE). Expunged UIDs may stay in it; `$` only ever names messages in `uids`.
   */
  saved: ReadonlySet<number> = new Set();
  /** Responses due just before `uids` are announced expunged (search contexts' REMOVEFROM, search-context.ts). */
  beforeExpunge: ((uids: readonly number[]) => Buffer[]) | undefined;

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
  get condstore(): boolean { return this.enabled.has('CONDSTORE'); }
  get qresync(): boolean { return this.enabled.has('QRESYNC'); }
  /** IMAP4rev2 enabled (rev2.ts): no \Recent, no `* n RECENT`. */
  get rev2(): boolean { return isRev2(this); }

  /** The untagged flag update for `m`: UID, FLAGS, and MODSEQ once CONDSTORE is on. */
  flagUpdate(seq: number, m: { uid: number; flags: ReadonlySet<string>; recent: boolean; modseq?: number }): Buffer {
    const items: FetchResponseItem[] = [{ item: 'UID', value: m.uid }, { item: 'FLAGS', flags: flagList(m) }];
    if (this.condstore && m.modseq !== undefined) items.push({ item: 'MODSEQ', value: m.modseq });
    return fetchData(seq, items);
  }

  /** Announces expunged UIDs (`* n EXPUNGE` highest first, or `* VANISHED`) and forgets them. */
  expungeResponses(uids: readonly number[]): Buffer[] {
    const known = uids.filter((u) => this.seqOf(u) !== undefined);
    let out: Buffer[] = known.length && this.beforeExpunge ? this.beforeExpunge(known) : [];
    if (this.qresync) out = known.length ? [...out, vanishedData(toRanges([...known].sort((a, b) => a - b)), false)] : out;
    else out = [...out, ...known.map((u) => this.seqOf(u)!).sort((a, b) => b - a).map((q) => messageCountData(q, 'EXPUNGE'))];
    this.noteExpunged(known);
    return out;
  }

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
   * Messages already in the view keep the `recent` they were announced with. An IMAP4rev2
   * session sees none recent and claims none (rev2.ts).
   */
  private async current(): Promise<ImapMessage[]> {
    const list = await this.account.listMessages(this.name);
    const fresh = this.rev2 ? [] : list.filter((m) => m.recent && !this.info.has(m.uid)).map((m) => m.uid);
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
    this.msgs = [...list];
    this.uidNext = Math.max(this.uidNext, (list[list.length - 1]?.uid ?? 0) + 1); // UIDs ascend; no spread of 100,000 arguments
    const seen = new Set<ReadonlySet<string>>(); // stores share flag sets: look at each once
    for (const m of list) {
      if (seen.has(m.flags)) continue;
      if (seen.size < 1024) seen.add(m.flags);
      this.announceKeywords(m.flags);
    }
    return list;
  }

  /** Message `seq` (1-based) as last announced. */
  messageAt(seq: number): ImapMessage | undefined { return this.msgs[seq - 1]; }
  replaceAt(seq: number, m: ImapMessage): void { if (seq >= 1 && seq <= this.msgs.length) this.msgs[seq - 1] = m; }
  messages(): IterableIterator<ImapMessage> { return this.msgs.values(); }

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
   * Records flags (and modseq) this session just announced itself (STORE), so sync() does not
   * repeat them. The store's answer is newer than any change queued from other sessions before it,
   * so a queued one for the same message is dropped: flushing it would announce stale flags.
   */
  noteFlags(uid: number, flags: ReadonlySet<string>, modseq?: number): void {
    if (!this.flags.has(uid)) return;
    this.flags.set(uid, flags);
    this.pendingFlags.delete(uid);
    const info = this.info.get(uid);
    if (info) this.info.set(uid, { ...info, flags, modseq: modseq ?? info.modseq });
  }

  /** Removes UIDs this session expunged and announced itself. */
  noteExpunged(uids: readonly number[]): void {
    const gone = new Set(uids);
    if (gone.size === 0) return;
    const keep = this.uids.map((u) => !gone.has(u));
    this.uids = this.uids.filter((_, i) => keep[i]);
    this.msgs = this.msgs.filter((_, i) => keep[i]);
  }

  get hasPending(): boolean { return this.pendingFlags.size > 0 || this.pendingExpunged.size > 0; }

  /** Flag changes another session made (applied without rereading the folder). */
  queueFlags(updates: ReadonlyArray<ImapFlagUpdate>): void {
    for (const u of updates) if (this.flags.has(u.uid) && !u.modified) this.pendingFlags.set(u.uid, u);
  }

  queueExpunged(uids: readonly number[]): void {
    for (const u of uids) if (this.flags.has(u)) this.pendingExpunged.add(u);
  }

  /** `* n FETCH (UID FLAGS)` for queued flag changes, then `* n EXPUNGE` (if allowed) for queued expunges. */
  flushPending(allowExpunge: boolean): Buffer[] {
    const out: Buffer[] = [];
    for (const [uid, u] of this.pendingFlags) {
      this.pendingFlags.delete(uid);
      const seq = this.seqOf(uid);
      const seen = this.flags.get(uid);
      const info = this.info.get(uid);
      if (seq === undefined || !seen || !info) continue;
      const modseqMoved = u.modseq !== undefined && u.modseq > info.modseq;
      if (sameFlags(seen, u.flags) && !(modseqMoved && this.condstore)) continue;
      if (u.modseq !== undefined && u.modseq < info.modseq) continue; // older than what we announced
      this.flags.set(uid, u.flags);
      const next = { ...info, flags: u.flags, modseq: u.modseq ?? info.modseq };
      this.info.set(uid, next);
      out.push(...this.announceKeywords(u.flags));
      out.push(this.flagUpdate(seq, next));
    }
    if (allowExpunge && this.pendingExpunged.size) {
      out.push(...this.expungeResponses([...this.pendingExpunged]));
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
    if (allowExpunge) out.push(...this.expungeResponses(this.uids.filter((u) => !current.has(u))));
    const last = this.uids[this.uids.length - 1] ?? 0;
    const added = list.filter((m) => m.uid > last);
    for (const m of list) {
      if (m.uid > last) continue;
      const seen = this.flags.get(m.uid);
      const before = this.info.get(m.uid);
      if (!seen || !before) continue;
      const modseqMoved = m.modseq > before.modseq && this.condstore;
      if (!sameFlags(seen, m.flags) || modseqMoved) {
        this.flags.set(m.uid, m.flags);
        this.info.set(m.uid, m);
        out.push(...this.announceKeywords(m.flags));
        out.push(this.flagUpdate(this.seqOf(m.uid)!, m));
      } else if (m.modseq > before.modseq) this.info.set(m.uid, m);
    }
    if (added.length) {
      out.push(...this.announceKeywords(added.flatMap((m) => [...m.flags])));
      for (const m of added) {
        this.uids.push(m.uid);
        this.msgs.push(m);
      }
      this.uidNext = Math.max(this.uidNext, added[added.length - 1]!.uid + 1);
      out.push(messageCountData(this.uids.length, 'EXISTS'));
      if (!this.rev2) out.push(messageCountData([...this.info.values()].filter((m) => m.recent).length, 'RECENT'));
    }
    return out;
  }
}

/** MailboxView.info: the Map methods the view and its commands use, over its seq-ordered arrays. */
class MessagesOf {
  constructor(private readonly view: MailboxView) {}
  get(uid: number): ImapMessage | undefined {
    const seq = this.view.seqOf(uid);
    return seq === undefined ? undefined : this.view.messageAt(seq);
  }
  has(uid: number): boolean { return this.view.seqOf(uid) !== undefined; }
  /** Replaces a message in the view; a UID not in it is ignored (only sync() adds messages). */
  set(uid: number, m: ImapMessage): void {
    const seq = this.view.seqOf(uid);
    if (seq !== undefined) this.view.replaceAt(seq, m);
  }
  values(): IterableIterator<ImapMessage> { return this.view.messages(); }
}

/** The flags part of MailboxView.info, with the Map methods the view and its commands use. */
class FlagsOf {
  constructor(private readonly info: MessagesOf) {}
  get(uid: number): ReadonlySet<string> | undefined { return this.info.get(uid)?.flags; }
  has(uid: number): boolean { return this.info.has(uid); }
  set(uid: number, flags: ReadonlySet<string>): void {
    const m = this.info.get(uid);
    if (m && m.flags !== flags) this.info.set(uid, { ...m, flags });
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
