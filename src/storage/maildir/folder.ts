/**
 * One Maildir folder: the index (folder-index.ts) plus the operations that change it.
 *
 * Commit order: message file durable (tmp, fsync) → beforeCommit (fence check and hook) → rename into
 * cur/ → fsync cur/ → uidlist rewritten durably. A crash in between leaves at worst a file without a
 * UID, which the next sync numbers; never a UID pointing at a different message. Any error leaves the
 * in-memory state possibly ahead of disk: the caller must then discard this object (reload).
 * Each commit takes one new modseq for all the messages it adds, changes or expunges; the modseq
 * file is durable before the commit is visible (written with the uidlist, or before flag renames).
 */
import { readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from '../../util/fsync.ts';
import { applyFlags, normaliseFlags, wholeSeconds } from '../names.ts';
import type { AppendInput, FlagMode, FlagUpdate } from '../types.ts';
import { buildName, parseName, uniqueBase } from './filename.ts';
import { isWireClean } from '../../util/crlf.ts';
import { FolderIndex, type Rec } from './folder-index.ts';
import { errno, linkOrCopy, unlinkIfExists, writeMessageFile } from './fsops.ts';
import { saveKeywords } from './keywords.ts';

export { UIDLIST, type FolderOptions, type MessageEntry } from './folder-index.ts';

/** A message picked for copy/move. */
export interface Picked {
  readonly uid: number;
  readonly path: string;
  readonly flags: ReadonlySet<string>;
  readonly size: number;
  /** CRLF size from the source's name (`,W=`), carried to the new name. */
  readonly wireSize?: number;
}

export class MaildirFolder extends FolderIndex {
  /** The message as stored. NO_SUCH_MESSAGE for an unknown UID; ENOENT if the file went meanwhile. */
  async read(uid: number): Promise<Buffer> {
    return readFile(this.pathOf(uid));
  }

  /** Stores a message; resolves with its UID once file and uidlist are durable. BAD_FLAG first. */
  async append(data: Buffer, flags: Iterable<string> = [], date?: Date): Promise<number> {
    const [uid] = await this.appendMany([{ data, flags, ...(date ? { internalDate: date } : {}) }]);
    return uid!;
  }

  /**
   * Stores messages as one commit; resolves with their UIDs (consecutive, in order) once files and
   * uidlist are durable. BAD_FLAG for any of them before anything is written. Every file is
   * written and fsynced in tmp/ before the first is renamed into cur/; if anything fails after
   * that, the files already published are unlinked again, so a rejection leaves none of them.
   */
  async appendMany(items: readonly AppendInput[]): Promise<number[]> {
    const wanted = items.map((it) => normaliseFlags(it.flags ?? []));
    await this.sync();
    const staged: Array<{ tmp: string; base: string; name: string; size: number; mtimeMs: number }> = [];
    const published: string[] = [];
    const uids: number[] = [];
    try {
      for (const [i, it] of items.entries()) {
        const base = uniqueBase(it.data.length, this.ctx.now(), isWireClean(it.data) ? it.data.length : undefined);
        const mtimeMs = wholeSeconds((it.internalDate ?? new Date(this.ctx.now())).getTime());
        const st = { tmp: join(this.dir, 'tmp', base), base, name: buildName(base, this.lettersFor(wanted[i]!)), size: it.data.length, mtimeMs };
        staged.push(st);
        await writeMessageFile(st.tmp, it.data, new Date(mtimeMs));
      }
      await this.ctx.beforeCommit();
      await saveKeywords(this.dir, this.keywords);
      for (const st of staged) {
        await rename(st.tmp, join(this.cur, st.name));
        published.push(st.name);
      }
      await fsyncDir(this.cur);
      const modseq = this.nextModseq();
      for (const st of staged) {
        const uid = this.nextUidValue++;
        this.put({ uid, base: st.base, name: st.name, ext: '', size: st.size, mtimeMs: st.mtimeMs, recent: true, modseq });
        uids.push(uid);
      }
      await this.writeList();
    } catch (err) {
      // Best effort: the error that matters is the first; the caller drops this index (see top).
      for (const st of staged) await unlinkIfExists(st.tmp).catch(() => undefined);
      for (const name of published) await unlinkIfExists(join(this.cur, name)).catch(() => undefined);
      if (published.length > 0) await fsyncDir(this.cur).catch(() => undefined);
      throw err;
    }
    await this.markCur();
    return uids;
  }

  /**
   * Flags live in file names: one rename per changed message. Unknown UIDs are skipped;
   * BAD_FLAG / TOO_MANY_KEYWORDS before anything changes. Flag renames are not fsynced (as
   * Dovecot's mail_fsync=optimized): a crash may lose the latest flag changes, never a message,
   * and never a modseq (the changed messages' new modseq is durable before the first rename).
   * `unchangedSince` (RFC 7162 §3.1.3): messages whose modseq is above it are left alone and
   * returned with `modified: true` and their current flags.
   */
  async setFlags(uids: number | readonly number[], flags: Iterable<string>, mode: FlagMode = 'replace', unchangedSince?: number): Promise<FlagUpdate[]> {
    const change = normaliseFlags(flags);
    // Known UIDs only, and only this store renames files: a loaded index needs no rescan here.
    if (!this.loaded || this.dirty) await this.sync();
    const results: Array<FlagUpdate & { modseq: number }> = [];
    const renames: Array<[Rec, string, FlagUpdate & { modseq: number }]> = [];
    for (const r of this.select(typeof uids === 'number' ? [uids] : uids)) {
      if (unchangedSince !== undefined && r.modseq > unchangedSince) {
        results.push({ uid: r.uid, flags: this.flagsOf(r.name), modseq: r.modseq, modified: true });
        continue;
      }
      const next = applyFlags(this.flagsOf(r.name), change, mode);
      const p = parseName(r.name);
      const name = buildName(r.base, [...this.lettersFor(next), ...p.unknown], p.tail);
      const result = { uid: r.uid, flags: next, modseq: r.modseq };
      if (name !== r.name) renames.push([r, name, result]);
      results.push(result);
    }
    if (renames.length === 0) return results;
    await this.ctx.beforeCommit();
    await saveKeywords(this.dir, this.keywords);
    const modseq = this.nextModseq();
    for (const [r, , result] of renames) {
      r.modseq = result.modseq = modseq;
      r.info = undefined;
    }
    await this.writeModseqs();
    for (const [r, name] of renames) {
      await rename(join(this.cur, r.name), join(this.cur, name));
      r.name = name;
    }
    await this.markCur();
    return results;
  }

  /** Unlinks the given (or all \Deleted) messages and rewrites the uidlist; returns their UIDs. */
  async expunge(uids?: Iterable<number>): Promise<number[]> {
    await this.sync();
    const victims = uids ? this.select([...uids]) : [...this.recs.values()].filter((r) => parseName(r.name).letters.includes('T'));
    if (victims.length === 0) return [];
    await this.ctx.beforeCommit();
    // A crash before writeList: the next load finds the files gone and numbers the expunge anew.
    this.tombstones.add(victims.map((r) => r.uid), this.nextModseq());
    for (const r of victims) {
      await unlinkIfExists(join(this.cur, r.name));
      this.drop(r);
    }
    await fsyncDir(this.cur);
    await this.writeList();
    await this.markCur();
    return victims.map((r) => r.uid);
  }

  async pick(uids: readonly number[]): Promise<Picked[]> {
    await this.sync();
    return this.select(uids).map((r) => ({ uid: r.uid, path: join(this.cur, r.name), flags: this.flagsOf(r.name), size: r.size, wireSize: parseName(r.name).wireSize }));
  }

  /** Brings in messages of another folder by hard link (copy) or rename (move); returns source → new UID. */
  async adopt(items: readonly Picked[], how: 'link' | 'rename'): Promise<Map<number, number>> {
    await this.sync();
    const map = new Map<number, number>();
    if (items.length === 0) return map;
    const planned = items.map((it) => {
      const base = uniqueBase(it.size, this.ctx.now(), it.wireSize);
      return { it, base, name: buildName(base, this.lettersFor(it.flags)) };
    });
    await this.ctx.beforeCommit();
    await saveKeywords(this.dir, this.keywords);
    const modseq = this.nextModseq();
    for (const { it, base, name } of planned) {
      const target = join(this.cur, name);
      try {
        if (how === 'rename') await rename(it.path, target);
        else await linkOrCopy(it.path, target, join(this.dir, 'tmp', base));
      } catch (err) {
        if (errno(err) === 'ENOENT') continue; // expunged behind our back: skipped, as IMAP allows
        throw err;
      }
      const uid = this.nextUidValue++;
      this.put({ uid, base, name, ext: '', size: it.size, mtimeMs: (await stat(target)).mtimeMs, recent: true, modseq });
      map.set(it.uid, uid);
    }
    await fsyncDir(this.cur);
    await this.writeList();
    await this.markCur();
    return map;
  }

  /** After a move out: the files are already gone; drop the records and commit. */
  async forget(uids: Iterable<number>): Promise<void> {
    const gone = [...uids].map((u) => this.recs.get(u)).filter((r): r is Rec => r !== undefined);
    if (gone.length === 0) return;
    this.tombstones.add(gone.map((r) => r.uid), this.nextModseq());
    for (const r of gone) this.drop(r);
    await fsyncDir(this.cur);
    await this.ctx.beforeCommit();
    await this.writeList();
    await this.markCur();
  }
}
