/**
 * `mailcluster-modseq`, one per folder beside `dovecot-uidlist`: the folder's modification
 * sequences (RFC 7162). Dovecot keeps them in its binary index (dovecot.index, the "modseq"
 * extension, plus its transaction log), which is a cache it rebuilds at will and not practical to
 * share; Dovecot ignores this file, and this store ignores Dovecot's index. Text, written like the
 * UID list (temp file, fsync, rename, directory fsync) after the fence check of the commit it is
 * part of, and always before that commit becomes visible:
 *
 *   mailcluster-modseq 1 V<uidvalidity> H<highest modseq> F<tombstone floor>\n
 *   M <uid>[:<uid>] <modseq>[+]\n      message modseqs, ascending UIDs
 *   X <uid>[:<uid>] <modseq>\n          expunged UIDs (tombstones), oldest first
 *
 * `M a:b m` gives modseq m to every message with a UID in a..b; `M a:b m+` gives m + (uid - a)
 * (deliveries one by one). Ranges span only UIDs that exist when written; on read, UIDs the UID
 * list does not have are ignored and UIDs it has without a modseq get a new one. A file whose V is
 * not the folder's UIDVALIDITY keeps only H (a rebuilt folder still never goes back).
 *
 * A full disk: rewriting the file needs free blocks, a flag change otherwise needs none (a
 * rename). Then only `mailcluster-modseq.high` is written, in place (its blocks exist already):
 * `H<20 digits>\n`, the highest modseq handed out. A holder that finds it above the file's H knows
 * changes happened that the file does not number, and gives every message a new modseq above it:
 * clients refetch all flags once, and no modseq ever goes back.
 *
 * Known limit: flags that another program changes in cur/ while no node has the account open are
 * not given a new modseq (the file keeps no flags to compare with); changes made while an account
 * is open are (the holder's rescan sees the renamed file).
 */
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurable } from '../../util/fsync.ts';
import type { Tombstone } from '../modseq.ts';

export const MODSEQ_FILE = 'mailcluster-modseq';
const MAGIC = 'mailcluster-modseq 1 ';

export interface ModseqRun {
  from: number;
  to: number;
  modseq: number;
  /** Modseq grows by one per UID from `from`. */
  inc: boolean;
}

export interface ModseqFile {
  uidValidity: number;
  highest: number;
  floor: number;
  runs: ModseqRun[];
  tombstones: Tombstone[];
}

/** Runs for (uid, modseq) pairs in ascending UID order. */
export function encodeRuns(pairs: Iterable<{ uid: number; modseq: number }>): ModseqRun[] {
  const runs: ModseqRun[] = [];
  let cur: (ModseqRun & { n: number }) | undefined;
  for (const { uid, modseq } of pairs) {
    if (cur) {
      const flat = (cur.n === 1 || !cur.inc) && modseq === cur.modseq;
      const inc = (cur.n === 1 || cur.inc) && modseq === cur.modseq + (uid - cur.from) && uid > cur.from;
      if (flat || inc) {
        Object.assign(cur, { to: uid, inc: !flat, n: cur.n + 1 });
        continue;
      }
      runs.push({ from: cur.from, to: cur.to, modseq: cur.modseq, inc: cur.inc });
    }
    cur = { from: uid, to: uid, modseq, inc: false, n: 1 };
  }
  if (cur) runs.push({ from: cur.from, to: cur.to, modseq: cur.modseq, inc: cur.inc });
  return runs;
}

/** The modseq the runs give `uid`, walking them with a cursor (call with ascending UIDs). */
export function runCursor(runs: readonly ModseqRun[]): (uid: number) => number | undefined {
  let i = 0;
  return (uid) => {
    while (i < runs.length && runs[i]!.to < uid) i++;
    const r = runs[i];
    if (!r || r.from > uid) return undefined;
    return r.inc ? r.modseq + (uid - r.from) : r.modseq;
  };
}

const range = (from: number, to: number): string => (from === to ? `${from}` : `${from}:${to}`);

export function serializeModseqFile(f: ModseqFile): string {
  const lines = [`${MAGIC}V${f.uidValidity} H${f.highest} F${f.floor}`];
  for (const r of f.runs) lines.push(`M ${range(r.from, r.to)} ${r.modseq}${r.inc ? '+' : ''}`);
  for (const t of f.tombstones) lines.push(`X ${range(t.from, t.to)} ${t.modseq}`);
  return lines.join('\n') + '\n';
}

const isNum = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;

/** Undefined when the text is not a well-formed file of this version. */
export function parseModseqFile(text: string): ModseqFile | undefined {
  const lines = text.split('\n');
  if (lines.pop() !== '') return undefined; // torn or truncated: the last line must be complete
  const head = /^mailcluster-modseq 1 V(\d+) H(\d+) F(\d+)$/.exec(lines.shift() ?? '');
  if (!head) return undefined;
  const [uidValidity, highest, floor] = [Number(head[1]), Number(head[2]), Number(head[3])];
  if (![uidValidity, highest, floor].every(isNum)) return undefined;
  const f: ModseqFile = { uidValidity, highest, floor, runs: [], tombstones: [] };
  let lastUid = 0;
  for (const line of lines) {
    const m = /^([MX]) (\d+)(?::(\d+))? (\d+)(\+?)$/.exec(line);
    if (!m) return undefined;
    const from = Number(m[2]);
    const to = m[3] === undefined ? from : Number(m[3]);
    const modseq = Number(m[4]);
    if (!isNum(from) || !isNum(to) || from < 1 || to < from || !isNum(modseq) || modseq < 1 || modseq > highest) return undefined;
    if (m[1] === 'M') {
      if (from <= lastUid) return undefined;
      lastUid = to;
      f.runs.push({ from, to, modseq, inc: m[5] === '+' });
      if (m[5] === '+' && modseq + (to - from) > highest) return undefined;
    } else if (m[5] === '') f.tombstones.push({ from, to, modseq });
    else return undefined;
  }
  return f;
}

/** 'missing' without a file, 'corrupt' when it does not parse; I/O errors reject. */
export async function readModseqFile(dir: string): Promise<ModseqFile | 'missing' | 'corrupt'> {
  let text: string;
  try {
    text = await readFile(join(dir, MODSEQ_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
  return parseModseqFile(text) ?? 'corrupt';
}

export const HIGH_FILE = 'mailcluster-modseq.high';

/** The in-place high-water mark, or 0 when there is none (or it does not parse). */
export async function readHighFile(dir: string): Promise<number> {
  const text = await readFile(join(dir, HIGH_FILE), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw err;
  });
  const m = /^H(\d{20})\n$/.exec(text);
  return m ? Number(m[1]) : 0;
}

/**
 * Overwrites the high-water mark in place and fsyncs it: needs no free blocks once the file
 * exists (`create` makes it, which does). Durable on resolve.
 */
export async function writeHighFile(dir: string, highest: number, create = false): Promise<void> {
  const h = await open(join(dir, HIGH_FILE), create ? 'w' : 'r+');
  try {
    await h.write(`H${String(highest).padStart(20, '0')}\n`, 0);
    await h.sync();
  } finally {
    await h.close();
  }
}

/** Durable on resolve (temp file + fsync + rename + directory fsync). */
export async function writeModseqFile(dir: string, f: ModseqFile): Promise<void> {
  await writeFileDurable(join(dir, MODSEQ_FILE), serializeModseqFile(f), join(dir, `${MODSEQ_FILE}.tmp`));
}
