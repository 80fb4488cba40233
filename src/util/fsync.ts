/**
 * Durable file helpers. Contract: when the returned promise resolves, the data and the directory
 * entry are on disk (file fsync, then rename, then directory fsync). Every fsync of the code base
 * goes through `syncHandle`, so that a test can hold them all (setFsyncGate).
 */
import { open, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Test seam: resolves when the fsync of `path` may run. Unset in production, where `syncHandle`
 * costs one comparison; a test sets it to hold fsyncs and prove that no reply precedes them.
 */
export type FsyncGate = (path: string) => Promise<void>;
let gate: FsyncGate | undefined;

/** Installs (or, with no argument, removes) the gate every later fsync waits on. */
export function setFsyncGate(g?: FsyncGate): void {
  gate = g;
}

/** fsync of an open file or directory `h` opened at `path`: resolves once its data is on disk. */
export async function syncHandle(h: FileHandle, path: string): Promise<void> {
  if (gate) await gate(path);
  await h.sync();
}

async function syncDirNow(dir: string): Promise<void> {
  const h = await open(dir, 'r');
  try {
    await syncHandle(h, dir);
  } finally {
    await h.close();
  }
}

/** Per directory: the fsync in progress, and the one queued behind it (shared by every waiter). */
const dirSyncs = new Map<string, { running: Promise<void>; next?: Promise<void> }>();

/**
 * Makes every entry change made in `dir` before the call durable. Group commit: callers that
 * arrive while an fsync of the same directory runs share one follow-up fsync, which starts after
 * the running one ends (so it covers their renames); a burst of N deliveries costs about two
 * directory fsyncs, not N. Rejects if the fsync it waited for failed.
 */
export function fsyncDir(dir: string): Promise<void> {
  const state = dirSyncs.get(dir);
  if (!state) {
    const running = syncDirNow(dir).finally(() => {
      const s = dirSyncs.get(dir);
      if (s?.running === running && !s.next) dirSyncs.delete(dir);
    });
    dirSyncs.set(dir, { running });
    return running;
  }
  state.next ??= state.running
    .catch(() => undefined)
    .then(() => {
      const s = dirSyncs.get(dir)!;
      const running = s.next!;
      s.running = running;
      s.next = undefined;
      return syncDirNow(dir);
    })
    .finally(() => {
      const s = dirSyncs.get(dir);
      if (s && !s.next) dirSyncs.delete(dir);
    });
  return state.next;
}

/** Writes `data` to `tmpPath`, fsyncs it and renames it to `path`, then fsyncs the directory. */
export async function writeFileDurable(path: string, data: string | Uint8Array, tmpPath = `${path}.tmp`): Promise<void> {
  let h: FileHandle | undefined = await open(tmpPath, 'w', 0o640);
  try {
    await h.writeFile(data);
    await syncHandle(h, tmpPath);
  } finally {
    await h?.close();
    h = undefined;
  }
  await rename(tmpPath, path);
  await fsyncDir(dirname(path));
}
