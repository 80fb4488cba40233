/**
 * Storage errors carry a stable `code`; the per-protocol mappers (src/errors) turn it into a wire reply,
 * e.g. NO_SUCH_MAILBOX → IMAP `NO [NONEXISTENT]` / `[TRYCREATE]`, MAILBOX_EXISTS → `[ALREADYEXISTS]`,
 * TOO_MANY_KEYWORDS → `[LIMIT]`. FencedError (fence.ts, code FENCED) is the other error a store throws.
 * Anything else thrown by a store is an I/O failure (errno errors from node:fs), i.e. temporary.
 */
export type StorageErrorCode =
  | 'BAD_MAILBOX_NAME' // folder name refused by names.ts: never becomes a path
  | 'NO_SUCH_MAILBOX'
  | 'MAILBOX_EXISTS'
  | 'CANNOT' // e.g. delete INBOX, rename a folder into itself
  | 'NO_SUCH_MESSAGE'
  | 'BAD_FLAG'
  | 'TOO_MANY_KEYWORDS' // Maildir keeps at most 26 keywords per folder (letters a–z)
  | 'OUTSIDE_ROOT' // a derived path left the storage root: a bug or an attack, never served
  | 'CLOSED';

export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

/** A folder name that is not allowed (see names.ts for the rules); nothing was touched on disk. */
export class MailboxNameError extends StorageError {
  constructor(
    readonly mailbox: string,
    reason: string,
  ) {
    super('BAD_MAILBOX_NAME', `bad mailbox name: ${reason}`);
    this.name = 'MailboxNameError';
  }
}

export function isStorageError(err: unknown, code?: StorageErrorCode): err is StorageError {
  return err instanceof StorageError && (code === undefined || err.code === code);
}
