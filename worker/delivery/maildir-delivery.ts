/**
 * Delivery into an account's Maildir INBOX the way an MDA does it (maildir(5), as Dovecot's LDA):
 * write tmp/<unique>, fsync, rename to new/<unique>,S=<size>, fsync new/. The store assigns UIDs
 * to files in new/ when it next scans the folder, so delivery never rewrites the UID list.
 *
 * Contract: resolves only when the message is durable in new/; the account path is derived from
 * the normalised name and checked to stay inside `<root>/mail`.
 */
import { hostname } from 'node:os';
import { mkdir, open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { parseAccount } from '../../src/util/account.ts';
import { fsyncDir, syncHandle } from '../../src/util/fsync.ts';
import { isWireClean } from '../../src/util/crlf.ts';
import { isDiskFull } from '../../src/util/errno.ts';
import { STORAGE_FULL } from '../smtp/errors.ts';
import { DeliveryError, type LocalDelivery, type QueuedDelivery } from './local.ts';

let counter = 0;
const host = hostname().replace(/[/:,]/g, '_');

export function accountDir(root: string, account: string): string {
  const a = parseAccount(account);
  const mailRoot = resolve(root, 'mail');
  const dir = resolve(mailRoot, a.domain, a.local);
  if (!dir.startsWith(mailRoot + sep)) throw new DeliveryError(true, '550 5.1.3 bad mailbox name');
  return dir;
}

/**
 * `<sec>.M<usec>P<pid>Q<n>.<host>,S=<size>` (Dovecot's form). Seconds and zero-padded microseconds
 * of the wall clock, so that name order is arrival order across nodes: the store numbers new
 * messages in name order, and UIDs should follow the order mail arrived in.
 */
export function uniqueName(size: number, wireSize?: number, queueId?: string): string {
  const wallUs = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  const sec = Math.floor(wallUs / 1_000_000);
  const usec = String(wallUs % 1_000_000).padStart(6, '0');
  const w = wireSize === undefined ? '' : `,W=${wireSize}`;
  const q = queueId === undefined ? '' : `,Q=${queueId}`;
  return `${sec}.M${usec}P${process.pid}Q${++counter}.${host},S=${size}${w}${q}`;
}

export interface MaildirDeliveryOptions {
  root: string;
  /** Checks the account's fence before the rename makes the message visible (may throw). */
  checkFence?: (dir: string, token: string) => Promise<void>;
  /** Bytes used and quota, for OVERQUOTA; undefined skips the check. */
  quota?: (account: string, dir: string) => Promise<{ used: number; limit: number } | undefined>;
  /** A retried queued message was found already stored (and was not stored again). */
  onDuplicate?: (account: string, queueId: string) => void;
  /** Called once a message of `bytes` is durable in the account's INBOX (wakes its IMAP sessions, counts quota). */
  onDelivered?: (account: string, bytes: number) => void;
}

/**
 * Whether a message of queue id `queueId` is already in the INBOX (new/ or cur/, by the `,Q=` its
 * name carries). Costs a directory read, so only retries ask. A copy the user already moved or
 * deleted is not found: the guarantee covers the retry window, not days.
 */
async function storedBefore(dir: string, queueId: string): Promise<boolean> {
  const mark = `,Q=${queueId}`;
  for (const sub of ['new', 'cur']) {
    for (const name of await readdir(join(dir, sub)).catch(() => [] as string[])) {
      const at = name.indexOf(mark);
      if (at < 0) continue;
      const next = name[at + mark.length];
      if (next === undefined || next === ',' || next === ':') return true;
    }
  }
  return false;
}

/** Creates `tmp` in `dir`/tmp; the first delivery to a new account creates the Maildir first. */
async function openNew(dir: string, tmp: string): Promise<FileHandle> {
  try {
    return await open(tmp, 'wx', 0o640);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    for (const sub of ['tmp', 'new', 'cur']) await mkdir(join(dir, sub), { recursive: true });
    return open(tmp, 'wx', 0o640);
  }
}

export class MaildirDelivery implements LocalDelivery {
  /**
   * Queued deliveries being written, by account directory and queue id. A retry that arrives while
   * an earlier attempt of the same message is still writing (this node's disk slow or hung, so the
   * sender's reply timeout ended first) waits for that attempt to end and then looks for its copy:
   * otherwise both would store it.
   */
  private readonly writing = new Map<string, Promise<void>>();

  constructor(private readonly o: MaildirDeliveryOptions) {}

  /** A full disk is a temporary `452 4.3.1` (DeliveryError), like every reply this delivery chooses. */
  deliver(account: string, token: string, message: Buffer, queued?: QueuedDelivery): Promise<void> {
    return this.store(account, token, message, queued).catch((err: unknown) => {
      if (isDiskFull(err)) throw new DeliveryError(false, `${STORAGE_FULL.code} ${STORAGE_FULL.enhanced} ${STORAGE_FULL.text}`);
      throw err;
    });
  }

  private async store(account: string, token: string, message: Buffer, queued?: QueuedDelivery): Promise<void> {
    const dir = accountDir(this.o.root, account);
    if (!queued) return this.storeOnce(dir, account, token, message);
    const key = `${dir}\0${queued.queueId}`;
    while (this.writing.has(key)) await this.writing.get(key)!.catch(() => undefined);
    const p = this.storeOnce(dir, account, token, message, queued);
    this.writing.set(key, p);
    try {
      await p;
    } finally {
      this.writing.delete(key);
    }
  }

  private async storeOnce(dir: string, account: string, token: string, message: Buffer, queued?: QueuedDelivery): Promise<void> {
    if (queued?.retry && (await storedBefore(dir, queued.queueId))) {
      this.o.onDuplicate?.(account, queued.queueId); // an earlier attempt stored it: success, once
      return;
    }
    const q = await this.o.quota?.(account, dir);
    if (q && q.limit > 0 && q.used + message.length > q.limit) throw new DeliveryError(true, '552 5.2.2 mailbox full');
    // SMTP and LMTP data is CRLF throughout, so `,W=` (= S) spares POP3 and Dovecot reading it for its size.
    const name = uniqueName(message.length, isWireClean(message) ? message.length : undefined, queued?.queueId);
    const tmp = join(dir, 'tmp', name);
    const h = await openNew(dir, tmp);
    try {
      try {
        await h.writeFile(message);
        await syncHandle(h, tmp);
      } finally {
        await h.close();
      }
      await this.o.checkFence?.(dir, token);
      await rename(tmp, join(dir, 'new', name)).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
        await mkdir(join(dir, 'new'), { recursive: true }); // a Maildir left without new/
        await rename(tmp, join(dir, 'new', name));
      });
    } catch (err) {
      await unlink(tmp).catch(() => undefined); // a half-written or refused message leaves nothing in tmp/
      throw err;
    }
    await fsyncDir(join(dir, 'new'));
    this.o.onDelivered?.(account, message.length);
  }
}
