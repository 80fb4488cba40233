/**
 * Folder directories of one account's Maildir++ root: list, create, delete, rename. Only the holder
 * calls these, through MaildirAccount's queue. Each resolves when the change is durable (the account
 * directory is fsynced) and calls `beforeCommit` right before the change becomes visible.
 *
 * Create and delete are atomic on disk: a new folder is built in the INBOX's tmp/ (cur/ new/ tmp/,
 * `maildirfolder`, a dovecot-uidlist carrying its UIDVALIDITY) and renamed into place; a deleted one
 * is renamed into tmp/ and removed from there. Staging left by a crash is removed by cleanTmp.
 * Rename moves the folder, then each child, one rename at a time: a crash in the middle leaves some
 * children under the old name, each intact.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from '../../util/fsync.ts';
import { StorageError } from '../errors.ts';
import { isSameOrInferior, parentNames, sortFolderNames } from '../names.ts';
import { INBOX } from '../types.ts';
import { STAGING_PREFIX, statOrUndefined } from './fsops.ts';
import { folderDir, folderFromEntry } from './paths.ts';
import { newMailboxGuid, writeUidList } from './uidlist.ts';
import { nextUidValidity } from './uidvalidity.ts';

export interface TreeContext {
  readonly accountDir: string;
  beforeCommit(): Promise<void>;
  now(): number;
}

/** INBOX and every folder directory, sorted. Directories we cannot name (see paths.ts) are skipped. */
export async function listFolderNames(accountDirectory: string): Promise<string[]> {
  const entries = await readdir(accountDirectory, { withFileTypes: true });
  const names = entries.filter((e) => e.isDirectory()).flatMap((e) => folderFromEntry(e.name) ?? []);
  return sortFolderNames([INBOX, ...names]);
}

export async function folderExists(accountDirectory: string, name: string): Promise<boolean> {
  return name === INBOX || (await statOrUndefined(folderDir(accountDirectory, name)))?.isDirectory() === true;
}

function stagingPath(ctx: TreeContext, what: string): string {
  return join(ctx.accountDir, 'tmp', `${STAGING_PREFIX}${what}-${randomBytes(8).toString('hex')}`);
}

/** Creates one folder (not its parents) with a fresh UIDVALIDITY. The caller checked it is absent. */
export async function makeFolder(ctx: TreeContext, name: string): Promise<void> {
  const target = folderDir(ctx.accountDir, name);
  const staging = stagingPath(ctx, 'create');
  await mkdir(staging);
  try {
    for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(staging, sub));
    await writeFile(join(staging, 'maildirfolder'), ''); // Maildir++ marker, as Dovecot writes it
    const uidValidity = await nextUidValidity(ctx.accountDir, ctx.now());
    await writeUidList(staging, { uidValidity, nextUid: 1, guid: newMailboxGuid(), entries: [] });
    await ctx.beforeCommit();
    await rename(staging, target);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
  await fsyncDir(ctx.accountDir);
}

/** Removes one folder and its messages; children stay (Maildir++ keeps them in their own dirs). */
export async function removeFolder(ctx: TreeContext, name: string): Promise<void> {
  if (name === INBOX) throw new StorageError('CANNOT', 'INBOX cannot be deleted');
  if (!(await folderExists(ctx.accountDir, name))) throw new StorageError('NO_SUCH_MAILBOX', 'no such folder');
  const staging = stagingPath(ctx, 'delete');
  await ctx.beforeCommit();
  await rename(folderDir(ctx.accountDir, name), staging);
  await fsyncDir(ctx.accountDir);
  await rm(staging, { recursive: true, force: true });
}

/**
 * Renames `from` and its children to `to` (not INBOX: MaildirAccount moves its messages instead).
 * MAILBOX_EXISTS if `to` or a child's new name exists; CANNOT if `to` is `from` or below it.
 * Creates missing parents of `to`.
 */
export async function renameTree(ctx: TreeContext, from: string, to: string): Promise<void> {
  if (!(await folderExists(ctx.accountDir, from))) throw new StorageError('NO_SUCH_MAILBOX', 'no such folder');
  if (isSameOrInferior(to, from)) throw new StorageError('CANNOT', 'cannot rename a folder into itself');
  const moves = (await listFolderNames(ctx.accountDir))
    .filter((n) => n !== INBOX && isSameOrInferior(n, from))
    .map((n) => [n, to + n.slice(from.length)] as const);
  for (const [, target] of moves) {
    if (await folderExists(ctx.accountDir, target)) throw new StorageError('MAILBOX_EXISTS', 'target folder exists');
  }
  await makeParents(ctx, to);
  await ctx.beforeCommit();
  for (const [source, target] of moves) await rename(folderDir(ctx.accountDir, source), folderDir(ctx.accountDir, target));
  await fsyncDir(ctx.accountDir);
}

/** Creates each missing superior folder of `name`, outermost first. */
export async function makeParents(ctx: TreeContext, name: string): Promise<void> {
  for (const parent of parentNames(name)) {
    if (!(await folderExists(ctx.accountDir, parent))) await makeFolder(ctx, parent);
  }
}
