/**
 * The in-memory index of one Maildir folder: UID → current file name in cur/, from dovecot-uidlist
 * plus what the directories hold. Not safe for concurrent calls: MaildirAccount runs every call
 * through its queue (the holder is the only writer, design §1). MaildirFolder adds the mutations.
 *
 * sync() is cheap when nothing changed: two stats. new/ is written by other MDAs (our own delivery
 * path, Dovecot's LDA), so its files are moved to cur/ (`:2,` added, like Dovecot) and given UIDs in
 * name order (the name starts with the delivery time). cur/ is written only by the holder, so after
 * our own changes we record its mtime and skip re-reading it; a cur/ changed by someone else is
 * re-read in full (files gone = expunged, unknown files = new UIDs). Known UIDs never change.
 *
 * Modseqs (RFC 7162, contract in ../modseq.ts) live in modseq-file.ts's file, written in the same
 * commit as the change they number and before it is visible: sync() numbers new files with one
 * new modseq, flags changed behind our back (a renamed file) and expunges seen in cur/ with another.
 *
 * Creates cur/ new/ tmp/ in `dir` if missing (MaildirAccount checks that a folder exists first).
 */
import { mkdir, readdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from '../../util/fsync.ts';
import { StorageError } from '../errors.ts';
import { wholeSeconds } from '../names.ts';
import type { FolderStatus, MessageInfo } from '../types.ts';
import { buildName, FLAG_LETTERS, LETTER_FLAGS, parseName, sizeFromBase, uniqueBase } from './filename.ts';
import { cleanTmp, errno, statOrUndefined } from './fsops.ts';
import { Keywords, readKeywords } from './keywords.ts';
import { missingUids, Tombstones, type UidRange } from '../modseq.ts';
import { encodeRuns, readHighFile, readModseqFile, runCursor, writeHighFile, writeModseqFile } from './modseq-file.ts';
import { isDiskFull } from '../../util/errno.ts';
import { UIDLIST_FILE, newMailboxGuid, readUidList, writeUidList } from './uidlist.ts';
import { nextUidValidity } from './uidvalidity.ts';

export const UIDLIST = UIDLIST_FILE;

export interface FolderOptions {
  /**
   * Runs right before each change becomes visible (new UIDs, append, flags, expunge, copy/move in
   * or out); throwing refuses the commit. MaildirAccount puts the fence check and its hook here.
   */
  beforeCommit?: () => Promise<void>;
  /**
   * A new UIDVALIDITY, durable when resolved. Default: the allocator of uidvalidity.ts on `dir`
   * itself, right for an INBOX (the account root); MaildirAccount passes the account-wide one.
   */
  uidValidity?: () => Promise<number>;
  now?: () => number;
}

/** What messages() returns: MessageInfo plus where it lives (for tools and tests, not for protocols). */
export interface MessageEntry extends MessageInfo {
  readonly base: string;
  readonly name: string;
}

/** What put() takes: a record's fields. */
export interface RecFields {
  readonly uid: number;
  readonly base: string;
  readonly name: string;
  readonly ext: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly recent: boolean;
  readonly modseq: number;
}

/**
 * One message of the index, kept small because a folder holds one per message (issue 16): every
 * field is set in the constructor (in-object, one shape), the base is a string of its own (not a
 * slice keeping the whole dovecot-uidlist text alive), and the file name is not stored but built
 * as base + its info part (`:2,FS`), which is interned: a folder has a handful of distinct ones.
 */
export class Rec {
  readonly uid: number;
  readonly base: string;
  readonly ext: string;
  size: number;
  readonly recent: boolean;
  modseq: number;
  /** The file's mtime in whole seconds, all an internal date keeps: a small integer, not a boxed double. */
  private seconds = 0;
  /** What infos() last built for this record; whoever changes name, size, date or modseq drops it. */
  info: MessageInfo | undefined = undefined;
  /** The name minus the base (interned), or the whole name when it does not start with the base. */
  private tail = '';
  private whole = true;

  constructor(f: RecFields) {
    this.uid = f.uid;
    this.base = ownString(f.base);
    this.ext = f.ext;
    this.size = f.size;
    this.recent = f.recent;
    this.modseq = f.modseq;
    this.name = f.name;
    this.mtimeMs = f.mtimeMs;
  }

  /** The mtime as whole seconds in milliseconds (the fraction is dropped when set). */
  get mtimeMs(): number {
    return this.seconds * 1000;
  }

  set mtimeMs(ms: number) {
    this.seconds = Math.floor(ms / 1000);
  }

  /** The current file name in cur/ ('' until a loaded index has read cur/). */
  get name(): string {
    return this.whole ? this.tail : this.base + this.tail;
  }

  set name(name: string) {
    this.whole = !(name.length > this.base.length && name.startsWith(this.base));
    this.tail = this.whole ? name : internTail(name.slice(this.base.length));
  }
}

/** Info parts seen so far; bounded so that odd names cannot grow it without end. */
const TAILS = new Map<string, string>();
const MAX_TAILS = 4096;

function internTail(tail: string): string {
  const known = TAILS.get(tail);
  if (known !== undefined) return known;
  if (TAILS.size < MAX_TAILS) TAILS.set(tail, tail);
  return tail;
}

/** A copy of `s` that owns its characters (a substring may keep its whole parent alive). */
function ownString(s: string): string {
  const copy = Buffer.from(s, 'latin1').toString('latin1');
  return copy === s ? copy : s;
}

/** new/ mtimes this close to "now" may hide a second change in the same tick (coarse NFS times). */
const MTIME_SLACK_MS = 2000;
/** stat() calls in flight while a loaded index learns sizes and dates. */
const STAT_BATCH = 128;

export class FolderIndex {
  uidValidity = 0;
  protected nextUidValue = 1;
  protected guid = '';
  protected extra: string[] = [];
  protected readonly recs = new Map<number, Rec>(); // insertion order = ascending UID
  protected readonly byBase = new Map<string, number>();
  protected keywords = new Keywords();
  protected loaded = false;
  protected dirty = false;
  protected newMark: { mtimeMs: number; until: number } | undefined;
  protected curMtimeMs: number | undefined;
  /** The folder's HIGHESTMODSEQ (RFC 7162 §3.1.1); never decreases. */
  highestModseq = 0;
  protected readonly tombstones = new Tombstones();
  /** The in-place high-water file exists (modseq-file.ts); made at the first commit. */
  private highReady = false;
  /**
   * Flag sets by info part (`:2,FS`), shared by every message with those letters: a big folder
   * holds a handful of distinct sets, not one per message. Never mutated; reset by load().
   */
  private flagSets = new Map<string, ReadonlySet<string>>();
  /** Memo of usage(); dropped whenever a record comes, goes or gets its size. */
  private usageMemo: { bytes: number; messages: number } | undefined;

  protected readonly ctx: Required<FolderOptions>;

  constructor(
    readonly dir: string,
    o: FolderOptions = {},
  ) {
    const now = o.now ?? Date.now;
    this.ctx = { beforeCommit: o.beforeCommit ?? (async () => undefined), now, uidValidity: o.uidValidity ?? (() => nextUidValidity(dir, now())) };
  }

  get nextUid(): number {
    return this.nextUidValue;
  }

  protected get cur(): string {
    return join(this.dir, 'cur');
  }

  /** Brings the index up to date with the directories; commits new UIDs. NO_SUCH_MAILBOX if the folder is gone. */
  async sync(): Promise<void> {
    if (!this.loaded) await this.load();
    const [curSt, newSt] = await Promise.all([mustStat(this.cur), mustStat(join(this.dir, 'new'))]);
    const newChanged = !this.newMark || newSt.mtimeMs !== this.newMark.mtimeMs || Date.now() < this.newMark.until;
    const curChanged = curSt.mtimeMs !== this.curMtimeMs;
    if (!newChanged && !curChanged && !this.dirty) return;
    // One fence check before the first change on disk: a fenced holder moves no file at all.
    let checked = false;
    const check = async (): Promise<void> => {
      if (!checked) await this.ctx.beforeCommit();
      checked = true;
    };
    let fresh: string[] = [];
    if (newChanged) {
      const incoming = (await readdir(join(this.dir, 'new'))).filter((e) => !e.startsWith('.'));
      if (incoming.length > 0) await check();
      fresh = await this.drainNew(incoming);
      this.newMark = { mtimeMs: newSt.mtimeMs, until: newSt.mtimeMs + MTIME_SLACK_MS };
    }
    let dropped = false;
    if (curChanged) ({ fresh, dropped } = await this.scanCur());
    if (fresh.length > 0 || dropped || this.dirty) await check();
    const added = await this.register(fresh);
    if (added > 0 || dropped || this.dirty) await this.writeList();
    await this.markCur();
  }

  status(): FolderStatus {
    let unseen = 0;
    let recent = 0;
    // the memoised infos: SELECT lists the messages right after, and a name is rebuilt per call
    for (const m of this.infos()) {
      if (!m.flags.has('\\Seen')) unseen++;
      if (m.recent) recent++;
    }
    return { uidValidity: this.uidValidity, uidNext: this.nextUidValue, messages: this.recs.size, unseen, recent, highestModseq: this.highestModseq };
  }

  /** Bytes and messages in the folder as of the last sync() (quota usage). O(1) when unchanged. */
  usage(): { bytes: number; messages: number } {
    if (!this.usageMemo) {
      let bytes = 0;
      for (const r of this.recs.values()) bytes += Math.max(0, r.size);
      this.usageMemo = { bytes, messages: this.recs.size };
    }
    return this.usageMemo;
  }

  /** The index as of the last sync(), in UID order. */
  messages(): MessageEntry[] {
    return [...this.recs.values()].map((r) => ({
      uid: r.uid,
      base: r.base,
      name: r.name,
      flags: this.flagsOf(r.name),
      size: r.size,
      wireSize: parseName(r.name).wireSize,
      internalDate: new Date(wholeSeconds(r.mtimeMs)),
      recent: r.recent,
      modseq: r.modseq,
    }));
  }

  /** The index as MessageInfo, in UID order, built in one pass (what listMessages returns). */
  infos(): MessageInfo[] {
    const out: MessageInfo[] = new Array(this.recs.size);
    let i = 0;
    for (const r of this.recs.values()) out[i++] = r.info ??= this.infoOf(r);
    return out;
  }

  /** Shared by every caller until the record changes: MessageInfo is read-only. */
  private infoOf(r: Rec): MessageInfo {
    const w = r.name.indexOf(',W=');
    const wire = w < 0 || w > r.base.length ? NaN : Number.parseInt(r.name.slice(w + 3, w + 15), 10);
    return { uid: r.uid, flags: this.flagsOf(r.name), size: r.size, wireSize: Number.isNaN(wire) ? undefined : wire, internalDate: new Date(wholeSeconds(r.mtimeMs)), recent: r.recent, modseq: r.modseq };
  }

  /** UIDs expunged after modseq `since` (a superset below the tombstone floor, see ../modseq.ts). */
  vanishedSince(since: number): UidRange[] {
    return this.tombstones.since(since) ?? missingUids(this.recs.keys(), this.nextUidValue);
  }

  /** A new modseq for one commit; persisted by the caller's next writeModseqs() / writeList(). */
  protected nextModseq(): number {
    return ++this.highestModseq;
  }

  pathOf(uid: number): string {
    const r = this.recs.get(uid);
    if (!r) throw new StorageError('NO_SUCH_MESSAGE', `no message with UID ${uid}`);
    return join(this.cur, r.name);
  }

  protected async load(): Promise<void> {
    for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(this.dir, sub), { recursive: true });
    await cleanTmp(join(this.dir, 'tmp'), this.ctx.now());
    this.keywords = await readKeywords(this.dir);
    this.flagSets = new Map();
    const list = await readUidList(this.dir);
    if (typeof list === 'string') {
      // No uidlist yet, or a corrupt one: start over with a new UIDVALIDITY, as Dovecot does.
      Object.assign(this, { uidValidity: await this.ctx.uidValidity(), nextUidValue: 1, guid: newMailboxGuid(), extra: [], dirty: true });
    } else {
      // own copies: a substring of the file's text would keep all of it alive
      Object.assign(this, { uidValidity: list.uidValidity, nextUidValue: list.nextUid, guid: ownString(list.guid), extra: (list.extra ?? []).map(ownString), dirty: false });
      for (const e of list.entries) this.put({ uid: e.uid, base: e.base, name: '', ext: e.ext, size: -1, mtimeMs: 0, recent: false, modseq: 0 });
    }
    await this.loadModseqs();
    this.loaded = true;
  }

  /**
   * Reads the modseq file. Messages it does not number get one new modseq (all of them when there
   * is no file yet: a maildir written before, or by Dovecot). A corrupt file loses the per-message
   * values; the highest modseq then restarts from the clock in milliseconds, above any modseq this
   * store can have handed out unless it sustained more than 1,000 commits a second.
   */
  protected async loadModseqs(): Promise<void> {
    const file = await readModseqFile(this.dir);
    let start = 0;
    if (file === 'corrupt') start = Date.now();
    else if (file !== 'missing') {
      start = file.highest;
      if (file.uidValidity === this.uidValidity) {
        const at = runCursor(file.runs);
        for (const r of this.recs.values()) r.modseq = at(r.uid) ?? 0;
        this.tombstones.ranges = file.tombstones;
        this.tombstones.floor = file.floor;
      } else this.tombstones.reset(file.highest);
    }
    this.highestModseq = start;
    const high = await readHighFile(this.dir);
    if (high > start) {
      // changes were numbered while the disk was full: the file does not say which messages
      this.highestModseq = high;
      for (const r of this.recs.values()) r.modseq = 0;
    }
    let fresh = 0;
    for (const r of this.recs.values()) if (r.modseq === 0) r.modseq = fresh ||= this.nextModseq();
    if (file === 'missing' && this.highestModseq === 0) this.highestModseq = 1; // RFC 7162: HIGHESTMODSEQ >= 1
    if (fresh > 0 || file === 'corrupt' || (file !== 'missing' && file.uidValidity !== this.uidValidity)) this.dirty = true;
  }

  /** Moves files from new/ to cur/ (adding `:2,`), as Dovecot does; returns their names in cur/. */
  protected async drainNew(entries: readonly string[]): Promise<string[]> {
    const moved: string[] = [];
    for (const entry of entries) {
      const target = entry.includes(':2,') ? entry : `${entry}:2,`;
      try {
        await rename(join(this.dir, 'new', entry), join(this.cur, target));
        moved.push(target);
      } catch (err) {
        if (errno(err) !== 'ENOENT') throw err;
      }
    }
    if (moved.length > 0) await fsyncDir(this.cur);
    return moved;
  }

  /** Full read of cur/: updates names (flags), drops vanished messages, returns unknown files. */
  protected async scanCur(): Promise<{ fresh: string[]; dropped: boolean }> {
    const seen = new Set<number>();
    const fresh: string[] = [];
    let modseq = 0; // one new modseq for everything this scan finds changed
    for (const name of await readdir(this.cur)) {
      if (name.startsWith('.')) continue;
      const colon = name.indexOf(':'); // the base, as parseName has it, without its other work
      const uid = this.byBase.get(colon < 0 ? name : name.slice(0, colon));
      if (uid === undefined || seen.has(uid)) fresh.push(name);
      else {
        seen.add(uid);
        const r = this.recs.get(uid)!;
        if (r.name !== '' && r.name !== name && parseName(r.name).letters !== parseName(name).letters) {
          r.modseq = modseq ||= this.nextModseq();
          this.dirty = true;
        }
        if (r.name !== name) r.info = undefined;
        r.name = name;
      }
    }
    const gone = [...this.recs.values()].filter((r) => !seen.has(r.uid));
    if (gone.length > 0) this.tombstones.add(gone.map((r) => r.uid), (modseq ||= this.nextModseq()));
    for (const r of gone) this.drop(r);
    // Sizes and internal dates of records not yet stat()ed (a freshly loaded index): many stats
    // in flight at once, so the thread pool stays busy instead of one round trip per message.
    const unknown = [...this.recs.values()].filter((r) => r.size < 0);
    for (let i = 0; i < unknown.length; i += STAT_BATCH) {
      await Promise.all(unknown.slice(i, i + STAT_BATCH).map(async (r) => {
        const st = await stat(join(this.cur, r.name));
        r.size = sizeFromBase(r.base) ?? st.size;
        r.mtimeMs = st.mtimeMs;
        r.info = undefined;
      }));
    }
    if (unknown.length > 0) this.usageMemo = undefined;
    return { fresh, dropped: gone.length > 0 };
  }

  /** Numbers files that have no UID yet, in name order. A duplicate base gets a new base first. */
  protected async register(names: string[]): Promise<number> {
    let added = 0;
    let modseq = 0;
    for (let name of names.sort()) {
      let p = parseName(name);
      if (this.byBase.has(p.base)) {
        const renamed = buildName(uniqueBase(p.size ?? 0, this.ctx.now(), p.wireSize), [...p.letters, ...p.unknown], p.tail);
        await rename(join(this.cur, name), join(this.cur, renamed));
        name = renamed;
        p = parseName(name);
      }
      const st = await statOrUndefined(join(this.cur, name));
      if (!st) continue;
      this.put({ uid: this.nextUidValue++, base: p.base, name, ext: '', size: p.size ?? st.size, mtimeMs: st.mtimeMs, recent: true, modseq: (modseq ||= this.nextModseq()) });
      added++;
    }
    return added;
  }

  protected select(uids: readonly number[]): Rec[] {
    return [...new Set(uids)].sort((a, b) => a - b).flatMap((u) => this.recs.get(u) ?? []);
  }

  /** The message's flags (a shared set: never mutate it). */
  protected flagsOf(name: string): ReadonlySet<string> {
    const at = name.lastIndexOf(':');
    const key = at < 0 ? '' : name.slice(at);
    let out = this.flagSets.get(key);
    if (!out) {
      const set = new Set<string>();
      for (const l of parseName(name).letters) {
        const f = LETTER_FLAGS[l] ?? this.keywords.nameOf(l);
        if (f !== undefined) set.add(f);
      }
      this.flagSets.set(key, (out = set));
    }
    return out;
  }

  /** May allocate keyword letters (saved by the caller before the names appear on disk). */
  protected lettersFor(flags: ReadonlySet<string>): string[] {
    return [...flags].map((f) => FLAG_LETTERS[f] ?? this.keywords.letterOf(f, true)!);
  }

  protected put(fields: RecFields): void {
    const r = new Rec(fields);
    this.recs.set(r.uid, r);
    this.byBase.set(r.base, r.uid);
    this.usageMemo = undefined;
  }

  protected drop(r: Rec): void {
    this.recs.delete(r.uid);
    this.byBase.delete(r.base);
    this.usageMemo = undefined;
  }

  /** Persists the modseqs (durable on resolve); every commit calls it before its change is visible. */
  protected async writeModseqs(): Promise<void> {
    const t = this.tombstones;
    try {
      await writeModseqFile(this.dir, { uidValidity: this.uidValidity, highest: this.highestModseq, floor: t.floor, runs: encodeRuns(this.recs.values()), tombstones: t.ranges });
      if (!this.highReady) {
        // its blocks, for a full disk later; a lower mark left by another holder is harmless
        await writeHighFile(this.dir, this.highestModseq, true).catch(() => undefined);
        this.highReady = true;
      }
    } catch (err) {
      if (!isDiskFull(err)) throw err;
      // see modseq-file.ts; the next commit that has space rewrites the file
      await writeHighFile(this.dir, this.highestModseq).catch(() => Promise.reject(err));
    }
  }

  /** The modseq file, then the UID list (a crash between them leaves modseqs ahead: harmless). */
  protected async writeList(): Promise<void> {
    await this.writeModseqs();
    const entries = [...this.recs.values()].map((r) => ({ uid: r.uid, base: r.base, ext: r.ext }));
    await writeUidList(this.dir, { uidValidity: this.uidValidity, nextUid: this.nextUidValue, guid: this.guid, extra: this.extra, entries });
    this.dirty = false;
  }

  protected async markCur(): Promise<void> {
    this.curMtimeMs = (await stat(this.cur)).mtimeMs;
  }
}

async function mustStat(path: string): Promise<{ mtimeMs: number }> {
  const st = await statOrUndefined(path);
  if (!st) throw new StorageError('NO_SUCH_MAILBOX', 'folder does not exist');
  return st;
}
