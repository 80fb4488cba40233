/**
 * Base subject extraction (RFC 5256 §2.1), used by SORT SUBJECT and both THREAD algorithms.
 *
 *   subj-refwd   = *WSP ("re" / "fwd" / "fw") *WSP [subj-blob] ":"
 *   subj-blob    = "[" *BLOBCHAR "]" *WSP          ; BLOBCHAR: any char but "[" and "]"
 *   subj-leader  = (*subj-blob subj-refwd) / WSP
 *   subj-trailer = "(fwd)" / WSP
 *   subj-fwd     = "[fwd:" subj-base "]"
 *
 * Input is the raw header value (a binary string): RFC 2047 words are decoded first, then runs of
 * white space become one space. `isReply` says whether a re/fwd leader, a (fwd) trailer or a
 * [fwd: …] wrapper was removed (RFC 5256 §2.1 note, used by THREAD=REFERENCES). Never throws.
 * Comparison is on `key`: the base subject upper-cased (Unicode), as Dovecot compares titlecased text.
 */
import { decodeHeaderValue } from './decode.ts';

export interface BaseSubject {
  subject: string;
  key: string;
  isReply: boolean;
}

const REFWD = /^\s*(?:re|fwd?)\s*(?:\[[^[\]]*\]\s*)?:/i;
const BLOB = /^\[[^[\]]*\]\s*/;

export function baseSubject(raw: string | undefined): BaseSubject {
  let s = raw === undefined ? '' : decodeHeaderValue(raw).replace(/\s+/g, ' ');
  let isReply = false;
  for (;;) {
    // (2) trailers, one at a time from the end (an unanchored /…$/ would rescan s for each)
    for (;;) {
      if (/\s/.test(s.charAt(s.length - 1))) s = s.slice(0, -1);
      else if (s.slice(-5).toLowerCase() === '(fwd)') {
        s = s.slice(0, -5);
        isReply = true;
      } else break;
    }
    // (3)–(5) leaders and blobs. Once no leader starts at any blob boundary, removing the first
    // blob cannot make one: the boundaries after it are the same ones, so they are not scanned
    // again (rescanning made a subject of thousands of [blobs] quadratic).
    let leaderFree = false;
    for (let changed = true; changed; ) {
      changed = false;
      const leader = leaderFree ? { length: 0, refwd: false } : leaderLength(s);
      if (leader.length > 0) {
        if (leader.refwd) isReply = true;
        s = s.slice(leader.length);
        changed = true;
      } else leaderFree = true;
      const blob = BLOB.exec(s);
      if (blob && blob[0].length < s.length) {
        s = s.slice(blob[0].length);
        changed = true;
      }
    }
    // (6) [fwd: …]
    if (/^\[fwd:/i.test(s) && s.endsWith(']')) {
      s = s.slice(5, -1);
      isReply = true;
      continue; // leaders are looked for afresh in the unwrapped subject
    }
    break;
  }
  return { subject: s, key: s.toUpperCase().normalize('NFKD'), isReply };
}

/** Length of the subj-leader at the start of s (0 if none), and whether it held a subj-refwd. */
function leaderLength(s: string): { length: number; refwd: boolean } {
  if (/^\s/.test(s)) return { length: 1, refwd: false };
  let i = 0;
  for (let b = BLOB.exec(s.slice(i)); ; b = BLOB.exec(s.slice(i))) {
    const r = REFWD.exec(s.slice(i));
    if (r) return { length: i + r[0].length, refwd: true };
    if (!b) return { length: 0, refwd: false };
    i += b[0].length;
  }
}
