/**
 * Errno codes that mean the same thing to every protocol. Node's fs errors carry them as `code`.
 */

/** The disk (or the filesystem quota of the storage) is full: temporary, an operator's problem. */
export function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}
