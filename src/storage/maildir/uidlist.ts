/**
 * Dovecot's `dovecot-uidlist` (src/lib-storage/index/maildir/maildir-uidlist.c), one per folder, so
 * Dovecot opening our maildir sees the same UIDs and UIDVALIDITY:
 *
 *   3 V<uidvalidity> N<next uid> G<128-bit mailbox GUID, 32 hex>\n
 *   <uid>[ <ext>...] :<base>\n        (ascending UIDs; <base> = file name up to the first ':')
 *
 * Unknown header fields and per-record extension fields (e.g. Dovecot's `W<vsize>`) are kept and
 * written back. Other versions (1 = Courier's format) and malformed files are refused with
 * UidListError; the folder then rebuilds with a new UIDVALIDITY, as Dovecot does with a broken file.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurable } from '../../util/fsync.ts';

export const UIDLIST_FILE = 'dovecot-uidlist';
const MAX_UID = 0xfffffffe;

export interface UidEntry {
  uid: number;
  base: string;
  /** Extension fields, space-separated ('' if none). */
  ext: string;
}

export interface UidList {
  uidValidity: number;
  nextUid: number;
  guid: string;
  /** Other header fields, verbatim (absent = none). */
  extra?: string[];
  entries: UidEntry[];
}

export class UidListError extends Error {
  override readonly name = 'UidListError';
}

export function newMailboxGuid(): string {
  return randomBytes(16).toString('hex');
}

/** An empty list whose UIDVALIDITY is the time in seconds (folders use the account allocator instead). */
export function newUidList(nowMs = Date.now()): UidList {
  return { uidValidity: Math.floor(nowMs / 1000), nextUid: 1, guid: newMailboxGuid(), entries: [] };
}

export function serializeUidList(l: UidList): string {
  const header = [`3 V${l.uidValidity}`, `N${l.nextUid}`, `G${l.guid}`, ...(l.extra ?? [])].join(' ');
  return [header, ...l.entries.map((e) => `${e.uid} ${e.ext ? `${e.ext} ` : ''}:${e.base}`)].join('\n') + '\n';
}

/** Throws UidListError for another version, a bad header, or malformed or unordered lines. */
export function parseUidList(text: string): UidList {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const header = lines.shift();
  if (!header?.startsWith('3 ')) throw new UidListError('unsupported dovecot-uidlist version');
  let uidValidity = 0;
  let nextUid = 0;
  let guid = '';
  const extra: string[] = [];
  for (const field of header.slice(2).split(' ').filter(Boolean)) {
    const [key, value] = [field[0], field.slice(1)];
    if (key === 'V') uidValidity = Number(value);
    else if (key === 'N') nextUid = Number(value);
    else if (key === 'G' && /^[0-9a-f]{32}$/i.test(value)) guid = value.toLowerCase();
    else if (key === 'G') throw new UidListError('bad mailbox GUID');
    else extra.push(field);
  }
  if (!isUid(uidValidity) || !isUid(nextUid)) throw new UidListError('bad dovecot-uidlist header');
  const entries: UidEntry[] = [];
  let prev = 0;
  for (const line of lines) {
    const m = /^(\d+) ((?:[^:\s]\S* +)*):([^/]+)$/.exec(line);
    if (!m) throw new UidListError(`bad dovecot-uidlist line: ${line.slice(0, 80)}`);
    const uid = Number(m[1]);
    if (!isUid(uid) || uid <= prev) throw new UidListError('dovecot-uidlist UIDs not ascending');
    prev = uid;
    entries.push({ uid, ext: m[2]!.trim().replace(/ +/g, ' '), base: m[3]!.split(':')[0]! });
  }
  const list: UidList = { uidValidity, nextUid: Math.max(nextUid, prev + 1), guid: guid || newMailboxGuid(), entries };
  if (extra.length > 0) list.extra = extra;
  return list;
}

function isUid(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0 && n <= MAX_UID;
}

/** 'missing' if there is no file yet; 'corrupt' if it does not parse. I/O errors reject. */
export async function readUidList(dir: string): Promise<UidList | 'missing' | 'corrupt'> {
  let text: string;
  try {
    text = await readFile(join(dir, UIDLIST_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
  try {
    return parseUidList(text);
  } catch (err) {
    if (err instanceof UidListError) return 'corrupt';
    throw err;
  }
}

/** Rewrites the file via a temp file + fsync + rename + directory fsync; durable on resolve. */
export async function writeUidList(dir: string, list: UidList): Promise<void> {
  await writeFileDurable(join(dir, UIDLIST_FILE), serializeUidList(list), join(dir, `${UIDLIST_FILE}.mailcluster.tmp`));
}
