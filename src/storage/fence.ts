/**
 * The fence file `.mailcluster-fence` in an account's directory (design §4.3): the fencing token
 * (create revision of the grant) of the node that opened the account last.
 *
 * - `writeFence` moves the token forward only: it refuses (FencedError) when the file already holds
 *   a higher token, i.e. a newer holder opened the account. Crash-safe (temp file, fsync, rename).
 * - `assertFence` throws FencedError unless the file holds exactly `token`: call it before every
 *   metadata commit, so a holder that lost its grant cannot write after the new holder opened.
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurable } from '../util/fsync.ts';

export const FENCE_FILE = '.mailcluster-fence';

export class FencedError extends Error {
  readonly code = 'FENCED';
  constructor(readonly dir: string, readonly mine: bigint, readonly found: bigint | undefined) {
    super(`account fenced: token ${mine} superseded by ${found ?? 'none'}`);
    this.name = 'FencedError';
  }
}

/**
 * The token in the fence file, read afresh from the file now at that path (open, one read,
 * close: it runs before every commit, so it costs three file operations, not readFile's five).
 */
export async function readFence(accountDir: string): Promise<bigint | undefined> {
  let h: FileHandle;
  try {
    h = await open(join(accountDir, FENCE_FILE), 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const buf = Buffer.alloc(64); // a token is at most 20 digits and a newline
    const { bytesRead } = await h.read(buf, 0, buf.length, 0);
    const text = buf.toString('latin1', 0, bytesRead).trim();
    return /^\d+$/.test(text) ? BigInt(text) : undefined;
  } finally {
    await h.close();
  }
}

export async function writeFence(accountDir: string, token: bigint): Promise<void> {
  await mkdir(accountDir, { recursive: true });
  const current = await readFence(accountDir);
  if (current !== undefined && current > token) throw new FencedError(accountDir, token, current);
  if (current === token) return;
  await writeFileDurable(join(accountDir, FENCE_FILE), `${token}\n`, join(accountDir, `${FENCE_FILE}.${token}.tmp`));
}

export async function assertFence(accountDir: string, token: bigint): Promise<void> {
  const found = await readFence(accountDir);
  if (found !== token) throw new FencedError(accountDir, token, found);
}
