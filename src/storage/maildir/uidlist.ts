/**
 * Dovecot's `dovecot-uidlist` (version 3), so that Dovecot opening our maildirs sees the same UIDs:
 *
 *   3 V<uidvalidity> N<next uid> G<128-bit mailbox GUID, hex>
 *   <uid> :<file base name, without the ":2,<flags>" part>
 *
 * Lines are in ascending UID order. Extension fields between the UID and ':' are kept as read.
 */
import { randomBytes } from 'node:crypto';

export interface UidEntry { uid: number; base: string; ext: string }

export interface UidList {
  uidValidity: number;
  nextUid: number;
  guid: string;
  entries: UidEntry[];
}

export class UidListError extends Error {}

export function newUidList(now = Date.now()): UidList {
  return { uidValidity: Math.floor(now / 1000), nextUid: 1, guid: randomBytes(16).toString('hex'), entries: [] };
}

export function parseUidList(text: string): UidList {
  const lines = text.split('\n').filter((l) => l.length > 0);
  const header = lines.shift();
  if (!header?.startsWith('3 ')) throw new UidListError('unsupported dovecot-uidlist version');
  const fields = new Map(header.slice(2).split(' ').filter(Boolean).map((f) => [f[0]!, f.slice(1)]));
  const uidValidity = Number(fields.get('V'));
  const nextUid = Number(fields.get('N'));
  if (!Number.isInteger(uidValidity) || uidValidity <= 0 || !Number.isInteger(nextUid) || nextUid <= 0) throw new UidListError('bad dovecot-uidlist header');
  const entries: UidEntry[] = [];
  for (const line of lines) {
    const m = /^(\d+) (.*?):(.+)$/.exec(line);
    if (!m) throw new UidListError(`bad dovecot-uidlist line: ${line.slice(0, 80)}`);
    entries.push({ uid: Number(m[1]), ext: m[2]!.trim(), base: m[3]! });
  }
  return { uidValidity, nextUid, guid: fields.get('G') ?? randomBytes(16).toString('hex'), entries };
}

export function serializeUidList(l: UidList): string {
  const body = l.entries.map((e) => `${e.uid} ${e.ext ? `${e.ext} ` : ''}:${e.base}`).join('\n');
  return `3 V${l.uidValidity} N${l.nextUid} G${l.guid}\n${body}${body ? '\n' : ''}`;
}
