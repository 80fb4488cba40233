/**
 * Durable file helpers. Contract: when the returned promise resolves, the data and the directory
 * entry are on disk (file fsync, then rename, then directory fsync).
 */
import { open, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function fsyncDir(dir: string): Promise<void> {
  const h = await open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/** Writes `data` to `tmpPath`, fsyncs it and renames it to `path`, then fsyncs the directory. */
export async function writeFileDurable(path: string, data: string | Uint8Array, tmpPath = `${path}.tmp`): Promise<void> {
  let h: FileHandle | undefined = await open(tmpPath, 'w', 0o640);
  try {
    await h.writeFile(data);
    await h.sync();
  } finally {
    await h?.close();
    h = undefined;
  }
  await rename(tmpPath, path);
  await fsyncDir(dirname(path));
}
