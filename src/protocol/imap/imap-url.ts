/**
 * The relative IMAP URLs (RFC 5092 §5, `imessagepart` of `/`-rooted paths) that CATENATE parts
 * name (RFC 4469 §5):
 *
 *   "/" enc-mailbox [";UIDVALIDITY=" nz-number] "/;UID=" nz-number
 *       ["/;SECTION=" enc-section] ["/;PARTIAL=" number ["." nz-number]]
 *
 * Keys are case-insensitive; the mailbox and section are percent-decoded, the mailbox as UTF-8
 * (RFC 5092 §3). Pure: returns undefined for anything else — absolute `imap://` URLs (whether
 * they name this server cannot be told here), URLAUTH, a malformed escape or number, a
 * section that is not RFC 3501 `section-spec` — and the server answers NO [BADURL].
 */
import type { ByteRange, Section } from './types.ts';
import { parseSectionText } from './commands/fetch-args.ts';

export interface ImapMessageUrl {
  mailbox: string;
  uidValidity?: number;
  uid: number;
  /** Absent: the whole message. */
  section?: Section;
  /** `;PARTIAL=o.n`; `length` absent = to the end. */
  partial?: { offset: number; length?: number };
}

const URL = /^\/([^;]+?)(?:;UIDVALIDITY=([0-9]{1,10}))?\/;UID=([0-9]{1,10})(?:\/;SECTION=([^;]*?))?(?:\/;PARTIAL=([0-9]{1,10})(?:\.([0-9]{1,10}))?)?$/i;
const MAX32 = 0xffffffff;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function percentDecode(s: string): Buffer | undefined {
  if (/%(?![0-9A-Fa-f]{2})/.test(s)) return undefined;
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x21 || c > 0x7e) return undefined; // RFC 3986: the rest is escaped
    else out.push(c);
  }
  return Buffer.from(out);
}

const nz = (s: string | undefined): number | undefined => {
  const n = s === undefined ? undefined : Number(s);
  return n !== undefined && n >= 1 && n <= MAX32 ? n : undefined;
};

export function parseImapUrl(url: string): ImapMessageUrl | undefined {
  const m = URL.exec(url);
  if (!m) return undefined;
  const [, encMailbox, validity, uidText, encSection, offset, length] = m;
  const box = percentDecode(encMailbox!.replace(/\/$/, ''));
  if (!box || box.length === 0 || box.includes(0)) return undefined;
  let mailbox: string;
  try {
    mailbox = utf8.decode(box);
  } catch {
    return undefined;
  }
  const uid = nz(uidText);
  if (uid === undefined) return undefined;
  const out: ImapMessageUrl = { mailbox, uid };
  if (validity !== undefined) {
    const v = nz(validity);
    if (v === undefined) return undefined;
    out.uidValidity = v;
  }
  if (encSection !== undefined) {
    const text = percentDecode(encSection)?.toString('latin1');
    const section = text === undefined || text === '' ? undefined : parseSectionText(text);
    if (!section) return undefined;
    out.section = section;
  }
  if (offset !== undefined) {
    const o = Number(offset);
    if (o > MAX32) return undefined;
    out.partial = { offset: o };
    if (length !== undefined) {
      const n = nz(length);
      if (n === undefined) return undefined;
      out.partial.length = n;
    }
  }
  return out;
}

/** The bytes `partial` selects of `data` (fewer at its end, empty past it). */
export function urlPartial(data: Buffer, partial: ImapMessageUrl['partial']): Buffer {
  if (!partial) return data;
  const from = Math.min(partial.offset, data.length);
  const range: ByteRange = { offset: from, length: partial.length ?? data.length };
  return data.subarray(from, Math.min(data.length, from + range.length));
}
