/**
 * One Maildir folder (cur/ new/ tmp/ + dovecot-uidlist), as its account's holder sees it.
 *
 * Contract:
 * - Only the account's holder calls the mutating methods (design §1); `beforeCommit` runs before
 *   every metadata commit (UID list rewrite, expunge, flag change) and throws to refuse it — the
 *   cluster layer checks its fencing token there.
 * - sync() moves new/ files to cur/, gives every file without a UID the next UID (in file-name
 *   order, as delivered), forgets UIDs whose files are gone, and rewrites the UID list durably
 *   (temp file, fsync, rename) when anything changed. UIDVALIDITY is set once, at creation.
 */
import { mkdir, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir, writeFileDurable } from '../../util/fsync.ts';
import { joinName, sizeFromBase, splitName } from './filename.ts';
import { newUidList, parseUidList, serializeUidList, type UidList } from './uidlist.ts';

export const UIDLIST = 'dovecot-uidlist';

export interface MessageEntry { uid: number; base: string; name: string; flags: Set<string>; size: number }

export interface FolderOptions { beforeCommit?: () => Promise<void> }

export class MaildirFolder {
  private list: UidList | undefined;
  private readonly byUid = new Map<number, MessageEntry>();

  constructor(readonly dir: string, private readonly o: FolderOptions = {}) {}

  get uidValidity(): number { return this.need().uidValidity; }
  get nextUid(): number { return this.need().nextUid; }

  /** Messages in UID order. */
  messages(): MessageEntry[] { return [...this.byUid.values()].sort((a, b) => a.uid - b.uid); }

  private need(): UidList {
    if (!this.list) throw new Error('folder not synced');
    return this.list;
  }

  async sync(): Promise<void> {
    for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(this.dir, sub), { recursive: true });
    let changed = false;
    if (!this.list) {
      try {
        this.list = parseUidList(await readFile(join(this.dir, UIDLIST), 'utf8'));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        this.list = newUidList();
        changed = true;
      }
    }
    const list = this.list;
    for (const name of await readdir(join(this.dir, 'new'))) {
      const { base } = splitName(name);
      await rename(join(this.dir, 'new', name), join(this.dir, 'cur', joinName(base, splitName(name).flags)));
      changed = true;
    }
    const files = new Map<string, string>();
    for (const name of await readdir(join(this.dir, 'cur'))) files.set(splitName(name).base, name);
    const known = new Set<string>();
    const kept = list.entries.filter((e) => {
      if (!files.has(e.base)) return false;
      known.add(e.base);
      return true;
    });
    if (kept.length !== list.entries.length) changed = true;
    list.entries = kept;
    for (const base of [...files.keys()].filter((b) => !known.has(b)).sort()) {
      list.entries.push({ uid: list.nextUid++, base, ext: '' });
      changed = true;
    }
    this.byUid.clear();
    for (const e of list.entries) {
      const name = files.get(e.base)!;
      const size = sizeFromBase(e.base) ?? (await stat(join(this.dir, 'cur', name))).size;
      this.byUid.set(e.uid, { uid: e.uid, base: e.base, name, flags: splitName(name).flags, size });
    }
    if (changed) await this.commit();
  }

  async read(uid: number): Promise<Buffer> {
    const m = this.byUid.get(uid);
    if (!m) throw new Error(`no message with UID ${uid}`);
    return readFile(join(this.dir, 'cur', m.name));
  }

  /** Replaces the system flags of `uid` (a rename in cur/). */
  async setFlags(uid: number, flags: Iterable<string>): Promise<void> {
    const m = this.byUid.get(uid);
    if (!m) throw new Error(`no message with UID ${uid}`);
    await this.o.beforeCommit?.();
    const name = joinName(m.base, flags);
    if (name === m.name) return;
    await rename(join(this.dir, 'cur', m.name), join(this.dir, 'cur', name));
    await fsyncDir(join(this.dir, 'cur'));
    m.name = name;
    m.flags = splitName(name).flags;
  }

  /** Removes messages; their UIDs are never reused. */
  async expunge(uids: Iterable<number>): Promise<number[]> {
    await this.o.beforeCommit?.();
    const gone: number[] = [];
    for (const uid of uids) {
      const m = this.byUid.get(uid);
      if (!m) continue;
      await unlink(join(this.dir, 'cur', m.name)).catch(() => undefined);
      this.byUid.delete(uid);
      gone.push(uid);
    }
    const list = this.need();
    list.entries = list.entries.filter((e) => this.byUid.has(e.uid));
    await fsyncDir(join(this.dir, 'cur'));
    await this.commit();
    return gone;
  }

  private async commit(): Promise<void> {
    await this.o.beforeCommit?.();
    await writeFileDurable(join(this.dir, UIDLIST), serializeUidList(this.need()), join(this.dir, `${UIDLIST}.mailcluster.tmp`));
  }
}
