/**
 * Paths on the shared storage (design §6): `<root>/mail/<domain>/<local>/` is the account's Maildir++
 * root and its INBOX; folder `A/B` is the directory `.A.B` (segments in modified UTF-7).
 *
 * Layout choice: this is Dovecot's default `maildir:~/Maildir` layout (Maildir++, on-disk separator
 * `.`, names in mUTF-7). Dovecot with default settings shows the same folders with `.` as its IMAP
 * separator (`A.B`); with `separator = /` in its namespace it shows exactly our names. Our API uses
 * `/`, which is why names.ts refuses `.` inside a level: Maildir++ has no way to store it.
 *
 * Every path is checked to stay below its parent (OUTSIDE_ROOT otherwise), even though the names were
 * validated before: a bad name must never reach the file system.
 */
import { resolve, sep } from 'node:path';
import { parseAccount, type AccountName } from '../../util/account.ts';
import { MailboxNameError, StorageError } from '../errors.ts';
import { INBOX } from '../types.ts';
import { normaliseFolderName, splitFolderName } from '../names.ts';
import { decodeMutf7, encodeMutf7 } from '../../util/mutf7.ts';

const NAME_MAX = 255;

export function assertInside(parent: string, child: string): string {
  const p = resolve(parent);
  const c = resolve(child);
  if (!c.startsWith(p + sep)) throw new StorageError('OUTSIDE_ROOT', 'path outside the storage root');
  return c;
}

/** `<root>/mail/<domain>/<local>`; the name is re-validated so a hand-built AccountName cannot escape. */
export function accountDir(root: string, account: AccountName): string {
  const checked = parseAccount(account.address);
  if (checked.local !== account.local || checked.domain !== account.domain) {
    throw new StorageError('OUTSIDE_ROOT', 'account name is not normalised');
  }
  const mailRoot = resolve(root, 'mail');
  const domainDir = assertInside(mailRoot, resolve(mailRoot, checked.domain));
  return assertInside(domainDir, resolve(domainDir, checked.local));
}

/** Directory entry name of a normalised folder: '' for INBOX, else `.` + mUTF-7 levels joined by `.`. */
export function folderEntry(normalised: string): string {
  if (normalised === INBOX) return '';
  const entry = '.' + splitFolderName(normalised).map(encodeMutf7).join('.');
  if (Buffer.byteLength(entry) > NAME_MAX - 16) throw new MailboxNameError(normalised, 'too long for a directory name');
  return entry;
}

export function folderDir(accountDirectory: string, normalised: string): string {
  const entry = folderEntry(normalised);
  return entry === '' ? accountDirectory : assertInside(accountDirectory, resolve(accountDirectory, entry));
}

/** The folder name for a directory entry of the account root, or undefined if it is not a folder we serve. */
export function folderFromEntry(entry: string): string | undefined {
  if (!entry.startsWith('.') || entry === '.' || entry === '..') return undefined;
  const levels = entry.slice(1).split('.').map(decodeMutf7);
  if (levels.some((l) => l === undefined || l.length === 0)) return undefined;
  try {
    const name = normaliseFolderName(levels.join('/'));
    return folderEntry(name) === entry ? name : undefined;
  } catch {
    return undefined;
  }
}
