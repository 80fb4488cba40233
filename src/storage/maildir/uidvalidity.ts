/**
 * UIDVALIDITY for new folders, as Dovecot allocates it (src/lib-storage/mailbox-uidvalidity.c): the
 * account root holds `dovecot-uidvalidity` (last value, 8 hex digits) and an empty marker file
 * `dovecot-uidvalidity.<hex>`. The next value is max(last + 1, now in seconds): time-based, and never
 * reused within the account even for folders created in the same second or after a clock step back.
 * Only the holder calls this (single writer); resolves when the new value is durable.
 */
import { open, readFile, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurable } from '../../util/fsync.ts';

const FILE = 'dovecot-uidvalidity';

export async function nextUidValidity(accountDirectory: string, nowMs: number): Promise<number> {
  const last = (await readLast(accountDirectory)) ?? (await scanMarkers(accountDirectory));
  const next = Math.min(Math.max(last + 1, Math.floor(nowMs / 1000)), 0xffffffff);
  await writeFileDurable(join(accountDirectory, FILE), hex(next), join(accountDirectory, `${FILE}.mailcluster.tmp`));
  try {
    await rename(join(accountDirectory, `${FILE}.${hex(last)}`), join(accountDirectory, `${FILE}.${hex(next)}`));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await (await open(join(accountDirectory, `${FILE}.${hex(next)}`), 'a', 0o444)).close();
  }
  return next;
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}

async function readLast(dir: string): Promise<number | undefined> {
  try {
    const text = (await readFile(join(dir, FILE), 'utf8')).trim();
    return /^[0-9a-f]{1,8}$/i.test(text) ? parseInt(text, 16) : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function scanMarkers(dir: string): Promise<number> {
  let max = 0;
  for (const entry of await readdir(dir)) {
    const m = /^dovecot-uidvalidity\.([0-9a-f]{8})$/i.exec(entry);
    if (m) max = Math.max(max, parseInt(m[1]!, 16));
  }
  return max;
}
