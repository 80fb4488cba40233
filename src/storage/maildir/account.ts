/**
 * One account on the Maildir++ store: the AccountStore the holder's protocol sessions share.
 *
 * Every call runs through one queue, so folder indexes never see concurrent changes (the holder is
 * the only writer, design §1); only reading message bodies happens outside it. Before each commit
 * the fence file is checked (when opened with a fenceToken) and then the beforeCommit hook runs; a
 * failure there refuses the commit with nothing visible.
 *
 * A folder's index is cached after first use. After an error that is not a plain refusal (I/O,
 * FencedError, a folder removed behind our back) the cached index is dropped and rebuilt from disk
 * on the next call, since it may be ahead of what was committed.
 */
import { readFile } from 'node:fs/promises';
import type { AccountName } from '../../util/account.ts';
import { StorageError } from '../errors.ts';
import { assertFence } from '../fence.ts';
import { isSameOrInferior, normaliseFolderName, sortFolderNames } from '../names.ts';
import { SerialQueue } from '../serial.ts';
import {
  INBOX,
  type AccountStore,
  type AppendInput,
  type AppendManyResult,
  type AppendResult,
  type CopyResult,
  type FlagMode,
  type FlagUpdate,
  type UidRange,
  type FolderStatus,
  type MessageInfo,
  type OpenAccountOptions,
  type QuotaUsage,
} from '../types.ts';
import { MaildirFolder } from './folder.ts';
import { errno } from './fsops.ts';
import { folderDir } from './paths.ts';
import { readSubscriptions, writeSubscriptions, type Subscriptions } from './subscriptions.ts';
import { folderExists, listFolderNames, makeFolder, makeParents, removeFolder, renameTree, type TreeContext } from './tree.ts';
import { nextUidValidity } from './uidvalidity.ts';

export class MaildirAccount implements AccountStore {
  private readonly queue = new SerialQueue();
  private readonly folders = new Map<string, MaildirFolder>();
  private readonly tree: TreeContext;
  private closed = false;
  /** The subscriptions file as last read or written (the holder is its only writer). */
  private subs: Subscriptions | undefined;

  constructor(
    readonly account: AccountName,
    readonly dir: string,
    private readonly o: OpenAccountOptions & { now: () => number },
  ) {
    this.tree = { accountDir: dir, beforeCommit: this.gate, now: o.now };
  }

  private readonly gate = async (): Promise<void> => {
    if (this.o.fenceToken !== undefined) await assertFence(this.dir, this.o.fenceToken);
    await this.o.beforeCommit?.();
  };

  listFolders(): Promise<string[]> {
    return this.run(() => listFolderNames(this.dir));
  }

  createFolder(name: string): Promise<void> {
    return this.run(async () => {
      const n = normaliseFolderName(name);
      if (await folderExists(this.dir, n)) throw new StorageError('MAILBOX_EXISTS', 'folder exists');
      await makeParents(this.tree, n);
      await makeFolder(this.tree, n);
    });
  }

  deleteFolder(name: string): Promise<void> {
    return this.run(async () => {
      const n = normaliseFolderName(name);
      this.folders.delete(n);
      await removeFolder(this.tree, n);
    });
  }

  renameFolder(from: string, to: string): Promise<void> {
    return this.run(async () => {
      const [f, t] = [normaliseFolderName(from), normaliseFolderName(to)];
      if (await folderExists(this.dir, t)) throw new StorageError('MAILBOX_EXISTS', 'target folder exists');
      if (f !== INBOX) {
        for (const key of this.folders.keys()) if (isSameOrInferior(key, f)) this.folders.delete(key);
        return renameTree(this.tree, f, t);
      }
      // RFC 3501 §6.3.5: renaming INBOX moves its messages to the new folder; INBOX stays, empty.
      await makeParents(this.tree, t);
      await makeFolder(this.tree, t);
      const picked = await this.on(INBOX, async (src) => {
        await src.sync();
        return src.pick(src.messages().map((m) => m.uid));
      });
      const moved = await this.on(t, (dst) => dst.adopt(picked, 'rename'));
      await this.on(INBOX, (src) => src.forget(moved.keys()));
    });
  }

  status(folder: string): Promise<FolderStatus> {
    return this.withFolder(folder, async (f) => f.status());
  }

  listMessages(folder: string): Promise<MessageInfo[]> {
    return this.withFolder(folder, async (f) => f.infos());
  }

  /**
   * Reads outside the queue. A UID the index already knows is read without rescanning the folder
   * (UIDs never change and the file name is current: only this store renames); an unknown UID, or
   * a file renamed meanwhile, is retried once after a rescan.
   */
  async readMessage(folder: string, uid: number): Promise<Buffer> {
    for (let attempt = 0; ; attempt++) {
      const known = attempt === 0 ? await this.run(() => this.on(normaliseFolderName(folder), async (f) => f.pathOf(uid))).catch(() => undefined) : undefined;
      const path = known ?? (await this.withFolder(folder, async (f) => f.pathOf(uid)));
      try {
        return await readFile(path);
      } catch (err) {
        if (errno(err) !== 'ENOENT') throw err;
        if (attempt > 0) throw new StorageError('NO_SUCH_MESSAGE', `message ${uid} is gone`);
      }
    }
  }

  appendMessage(folder: string, data: Buffer, flags: Iterable<string> = [], internalDate?: Date): Promise<AppendResult> {
    return this.withFolder(folder, async (f) => ({ uid: await f.append(data, flags, internalDate), uidValidity: f.uidValidity }));
  }

  appendMessages(folder: string, messages: readonly AppendInput[]): Promise<AppendManyResult> {
    return this.withFolder(folder, async (f) => ({ uids: await f.appendMany(messages), uidValidity: f.uidValidity }));
  }

  setFlags(folder: string, uids: readonly number[], flags: Iterable<string>, mode: FlagMode, unchangedSince?: number): Promise<FlagUpdate[]> {
    // no rescan first: flags change only on UIDs the caller already knows (folder.setFlags loads a cold index)
    return this.run(() => this.on(normaliseFolderName(folder), (f) => f.setFlags(uids, flags, mode, unchangedSince)));
  }

  vanished(folder: string, since: number): Promise<UidRange[]> {
    return this.withFolder(folder, async (f) => f.vanishedSince(since));
  }

  expunge(folder: string, uids?: readonly number[]): Promise<number[]> {
    return this.withFolder(folder, (f) => f.expunge(uids));
  }

  copyMessages(from: string, uids: readonly number[], to: string): Promise<CopyResult> {
    return this.transfer(from, uids, to, 'link');
  }

  moveMessages(from: string, uids: readonly number[], to: string): Promise<CopyResult> {
    return this.transfer(from, uids, to, 'rename');
  }

  listSubscriptions(): Promise<string[]> {
    return this.run(async () => sortFolderNames((await this.subscriptions()).names));
  }

  setSubscribed(name: string, subscribed: boolean): Promise<void> {
    return this.run(async () => {
      const n = normaliseFolderName(name);
      const subs = await this.subscriptions();
      if (subs.names.has(n) === subscribed) return;
      const next = new Set(subs.names);
      if (subscribed) next.add(n);
      else next.delete(n);
      await this.gate();
      this.subs = undefined; // if the write fails, reread the file next time
      await writeSubscriptions(this.dir, sortFolderNames(next), subs.foreign);
      this.subs = { names: next, foreign: subs.foreign };
    });
  }

  /**
   * Sums the folders' indexes after syncing each (two stats when unchanged; new deliveries are
   * taken in, as listMessages does). A folder removed meanwhile counts as empty.
   */
  quotaUsage(): Promise<QuotaUsage> {
    return this.run(async () => {
      let bytes = 0;
      let messages = 0;
      for (const name of await listFolderNames(this.dir)) {
        const u = await this.on(name, async (f) => {
          await f.sync();
          return f.usage();
        }).catch((err: unknown) => {
          if (err instanceof StorageError && err.code === 'NO_SUCH_MAILBOX') return { bytes: 0, messages: 0 };
          throw err;
        });
        bytes += u.bytes;
        messages += u.messages;
      }
      return { bytes, messages };
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue.idle();
  }

  private transfer(from: string, uids: readonly number[], to: string, how: 'link' | 'rename'): Promise<CopyResult> {
    return this.run(async () => {
      const [f, t] = [normaliseFolderName(from), normaliseFolderName(to)];
      await this.folder(t); // NO_SUCH_MAILBOX before anything moves
      const picked = await this.on(f, (src) => src.pick(uids));
      const result = await this.on(t, async (dst) => ({ uids: await dst.adopt(picked, how), uidValidity: dst.uidValidity }));
      if (how === 'rename') await this.on(f, (src) => src.forget(result.uids.keys()));
      return result;
    });
  }

  private async subscriptions(): Promise<Subscriptions> {
    return (this.subs ??= await readSubscriptions(this.dir));
  }

  private run<T>(task: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new StorageError('CLOSED', 'account store is closed'));
    return this.queue.run(task);
  }

  private withFolder<T>(name: string, fn: (f: MaildirFolder) => Promise<T>): Promise<T> {
    return this.run(() =>
      this.on(normaliseFolderName(name), async (f) => {
        await f.sync();
        return fn(f);
      }),
    );
  }

  /** Runs `fn` on the folder's index; drops the index unless the error was a plain refusal. */
  private async on<T>(name: string, fn: (f: MaildirFolder) => Promise<T>): Promise<T> {
    const f = await this.folder(name);
    try {
      return await fn(f);
    } catch (err) {
      if (!(err instanceof StorageError) || err.code === 'NO_SUCH_MAILBOX') this.folders.delete(name);
      throw err;
    }
  }

  private async folder(name: string): Promise<MaildirFolder> {
    const cached = this.folders.get(name);
    if (cached) return cached;
    if (!(await folderExists(this.dir, name))) throw new StorageError('NO_SUCH_MAILBOX', 'no such folder');
    const now = this.o.now;
    const f = new MaildirFolder(folderDir(this.dir, name), { beforeCommit: this.gate, now, uidValidity: () => nextUidValidity(this.dir, now()) });
    this.folders.set(name, f);
    return f;
  }
}
