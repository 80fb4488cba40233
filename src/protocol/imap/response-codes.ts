/**
 * Response codes: the bracketed part of a status response, `* OK [UIDVALIDITY 3857529045] UIDs valid`
 * (RFC 3501 §7.1, RFC 9051 §7.1; RFC 5530 codes; UIDPLUS APPENDUID/COPYUID RFC 4315 §3;
 * TOOBIG RFC 4469 §4 / RFC 7888; BADURL RFC 4469 §5; HIGHESTMODSEQ, NOMODSEQ, MODIFIED RFC 7162 §3.1.2.1, §3.1.2.2, §3.1.3). Pure: writes into a WireWriter, throws RangeError for values
 * with no wire form (a non-atom flag, mismatched COPYUID lists, a UID outside 1..2^32-1).
 */
import { formatSequenceSet, rangesInOrder } from './sequence-set.ts';
import type { WireWriter } from './wire-writer.ts';

export const ATOM_RESPONSE_CODES = [
  'ALERT', 'PARSE', 'READ-ONLY', 'READ-WRITE', 'TRYCREATE', 'NONEXISTENT', 'OVERQUOTA', 'ALREADYEXISTS',
  'TOOBIG', 'CANNOT', 'LIMIT', 'AUTHENTICATIONFAILED', 'AUTHORIZATIONFAILED', 'EXPIRED', 'PRIVACYREQUIRED',
  'CONTACTADMIN', 'NOPERM', 'INUSE', 'EXPUNGEISSUED', 'CORRUPTION', 'SERVERBUG', 'CLIENTBUG',
  'UNAVAILABLE', 'HASCHILDREN', 'UIDNOTSTICKY', 'CLOSED', 'UNKNOWN-CTE', 'NOMODSEQ',
] as const;
export type AtomResponseCode = (typeof ATOM_RESPONSE_CODES)[number];

export type ResponseCode =
  | { code: AtomResponseCode }
  | { code: 'UIDVALIDITY' | 'UIDNEXT' | 'UNSEEN' | 'HIGHESTMODSEQ'; value: number }
  /** Messages (UIDs for UID STORE, else sequence numbers) a conditional STORE left alone; ascending. */
  | { code: 'MODIFIED'; set: number[] }
  | { code: 'PERMANENTFLAGS'; flags: string[] } // may include `\*`
  | { code: 'CAPABILITY'; capabilities: string[] }
  | { code: 'BADCHARSET'; charsets?: string[] }
  /** RFC 4469 §5: the URL as sent, bare (`url-resp-text`: `]`, CR, LF and NUL are escaped). */
  | { code: 'BADURL'; url: string }
  /** RFC 4315 §3: one UID, or (MULTIAPPEND, RFC 3502) the uid-set of all, in append order. */
  | { code: 'APPENDUID'; uidValidity: number; uids: readonly number[] }
  /** `source[i]` was copied to `destination[i]`; any order, the pairing is kept on the wire. */
  | { code: 'COPYUID'; uidValidity: number; source: number[]; destination: number[] };

/** Writes `[...]` (without the following SP). */
export function writeResponseCode(w: WireWriter, rc: ResponseCode): void {
  w.raw('[' + rc.code);
  switch (rc.code) {
    case 'UIDVALIDITY':
    case 'UIDNEXT':
    case 'UNSEEN':
      w.sp().number(rc.value);
      break;
    case 'HIGHESTMODSEQ':
      w.sp().raw(String(rc.value)); // mod-sequence-value: up to 2^63-1, beyond number()'s 32 bits
      break;
    case 'MODIFIED':
      w.sp().raw(formatSequenceSet(rangesInOrder(rc.set)));
      break;
    case 'PERMANENTFLAGS':
      w.sp().list(rc.flags, (f) => w.flag(f));
      break;
    case 'CAPABILITY':
      for (const c of rc.capabilities) w.sp().atom(c);
      break;
    case 'BADCHARSET':
      if (rc.charsets !== undefined && rc.charsets.length > 0) w.sp().list(rc.charsets, (c) => w.astring(c));
      break;
    case 'BADURL':
      w.sp().raw(rc.url.replace(/[\]\r\n\0]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`) || '/');
      break;
    case 'APPENDUID':
      if (rc.uids.length === 0) throw new RangeError('APPENDUID needs a UID');
      w.sp().number(rc.uidValidity).sp().raw(formatSequenceSet(rangesInOrder(rc.uids)));
      break;
    case 'COPYUID': {
      const { source, destination } = copyUidSets(rc.source, rc.destination);
      w.sp().number(rc.uidValidity).sp().raw(source).sp().raw(destination);
      break;
    }
  }
  w.raw(']');
}

/**
 * RFC 4315 §3: the two uid-sets of COPYUID list source and destination UIDs in corresponding order.
 * Pairs are sorted by source UID, then each side is compressed without reordering, so
 * [3,1,2]→[13,11,12] becomes `1:3 11:13`.
 */
export function copyUidSets(source: readonly number[], destination: readonly number[]): { source: string; destination: string } {
  if (source.length !== destination.length || source.length === 0) throw new RangeError('COPYUID needs equally long, non-empty UID lists');
  const pairs = source.map((s, i) => [s, destination[i]!] as const).sort((a, b) => a[0] - b[0]);
  return {
    source: formatSequenceSet(rangesInOrder(pairs.map((p) => p[0]))),
    destination: formatSequenceSet(rangesInOrder(pairs.map((p) => p[1]))),
  };
}
