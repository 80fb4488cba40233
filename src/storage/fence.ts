/**
 * The fence file `.mailcluster-fence` in an account's directory (design §4.3): the fencing token
 * (create revision of the grant) of the node that opened the account last.
 *
 * - `writeFence` moves the token forward only: it refuses (FencedError) when the file already holds
 *   a higher token, i.e. a newer holder opened the account. Crash-safe (temp file, fsync, rename).
 * - `assertFence` throws FencedError unless the file holds exactly `token`: call it before every
 *   metadata commit, so a holder that lost its grant cannot write after the new holder opened.
 */
import { mkdir, readFile } from 'node:fs/promises';
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

export async function readFence(accountDir: string): Promise<bigint | undefined> {
  try {
    const text = (await readFile(join(accountDir, FENCE_FILE), 'utf8')).trim();
    return /^\d+$/.test(text) ? BigInt(text) : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
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
