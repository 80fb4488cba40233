/**
 * Small file-system steps used by the maildir store. Each resolves when its step is done; "durable"
 * ones fsync the file (callers fsync the directory after the rename that publishes it).
 */
import { constants, type Stats } from 'node:fs';
import { copyFile, link, lstat, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { syncHandle } from '../../util/fsync.ts';

export function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** stat, or undefined if the path does not exist. */
export async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    if (errno(err) === 'ENOENT') return undefined;
    throw err;
  }
}

export async function unlinkIfExists(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if (errno(err) !== 'ENOENT') throw err;
  }
}

export async function mkdirIfMissing(path: string): Promise<void> {
  try {
    await mkdir(path);
  } catch (err) {
    if (errno(err) !== 'EEXIST') throw err;
  }
}

/** Creates `path` exclusively, writes `data`, sets mtime (Dovecot's INTERNALDATE) and fsyncs. */
export async function writeMessageFile(path: string, data: Uint8Array, mtime: Date): Promise<void> {
  const h = await open(path, 'wx', 0o640);
  try {
    await h.writeFile(data);
    await h.utimes(mtime, mtime);
    await syncHandle(h, path);
  } finally {
    await h.close();
  }
}

const NO_LINK = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK', 'ENOSYS']);

/**
 * Makes `dst` a copy of `src`: a hard link (atomic, no data written; what Dovecot does by default), or
 * where links are not supported a copy to `tmp`, fsync, then rename. Keeps the mtime either way.
 * ENOENT if `src` has gone.
 */
export async function linkOrCopy(src: string, dst: string, tmp: string): Promise<void> {
  try {
    await link(src, dst);
    return;
  } catch (err) {
    if (!NO_LINK.has(errno(err) ?? '')) throw err;
  }
  const st = await stat(src);
  await copyFile(src, tmp, constants.COPYFILE_EXCL);
  const h = await open(tmp, 'r+');
  try {
    await h.utimes(st.atime, st.mtime);
    await syncHandle(h, tmp);
  } finally {
    await h.close();
  }
  await rename(tmp, dst);
}

export const STAGING_PREFIX = '.mc-';
const TMP_MAX_AGE_MS = 36 * 3600_000;

/**
 * Cleans a maildir's tmp/: our staging directories (`.mc-*`, left by a crash during folder create or
 * delete; only the holder stages, so any found here are dead) and files older than 36 hours (a crash
 * between write and rename), as Dovecot does.
 */
export async function cleanTmp(tmpDir: string, nowMs: number): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(tmpDir);
  } catch (err) {
    if (errno(err) === 'ENOENT') return;
    throw err;
  }
  for (const e of entries) {
    const path = join(tmpDir, e);
    if (e.startsWith(STAGING_PREFIX)) {
      await rm(path, { recursive: true, force: true });
      continue;
    }
    const st = await lstat(path).catch(() => undefined);
    if (st?.isFile() && nowMs - st.mtimeMs > TMP_MAX_AGE_MS) await unlinkIfExists(path);
  }
}
