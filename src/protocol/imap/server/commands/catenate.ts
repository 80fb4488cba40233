/**
 * CATENATE (RFC 4469): the message an APPEND builds from TEXT literals and URLs of messages (or
 * parts of them) the user can already read. Contracts:
 * - A URL is resolved like a FETCH BODY.PEEK (no \Seen is set) in the named mailbox of this
 *   account: a URL that does not parse (imap-url.ts), names a missing mailbox or message, has a
 *   UIDVALIDITY other than the mailbox's, or names a section the message does not have is
 *   `NO [BADURL url]`, and the APPEND stores nothing.
 * - The result is bounded by `maxBytes` (the largest literal the server takes): over it is
 *   `NO [TOOBIG]`, decided as soon as the parts read so far exceed it; more than MAX_URL_PARTS
 *   URLs in one APPEND is `NO [LIMIT]` (each may read a whole message).
 */
import { parseMime, sectionBytes } from '../../../mime/index.ts';
import { parseImapUrl, urlPartial } from '../../imap-url.ts';
import type { CatenatePart } from '../../types.ts';
import { badUrl, no } from '../errors.ts';
import type { ImapAccount } from '../hooks.ts';

export const MAX_URL_PARTS = 256;

/** Counts URLs across all messages of one APPEND. */
export interface UrlBudget { left: number }

export async function catenate(a: ImapAccount, parts: readonly CatenatePart[], maxBytes: number, budget: UrlBudget): Promise<Buffer> {
  const out: Buffer[] = [];
  let size = 0;
  for (const p of parts) {
    const bytes = p.kind === 'text' ? p.bytes : await resolveUrl(a, p.url, budget);
    size += bytes.length;
    if (size > maxBytes) throw no(`the catenated message is larger than ${maxBytes} bytes`, 'TOOBIG');
    out.push(bytes);
  }
  return Buffer.concat(out);
}

async function resolveUrl(a: ImapAccount, url: string, budget: UrlBudget): Promise<Buffer> {
  if (--budget.left < 0) throw no(`at most ${MAX_URL_PARTS} URLs in one APPEND`, 'LIMIT');
  const u = parseImapUrl(url);
  if (!u) throw badUrl(url, 'not a relative IMAP URL of a message on this server');
  const mailbox = u.mailbox.toUpperCase() === 'INBOX' ? 'INBOX' : u.mailbox;
  const gone = (): never => { throw badUrl(url, 'the URL names no message of yours'); };
  const status = await a.status(mailbox).catch(refusedAs(gone));
  if (u.uidValidity !== undefined && u.uidValidity !== status.uidValidity) return gone();
  const raw = await a.readMessage(mailbox, u.uid).catch(refusedAs(gone));
  const data = u.section ? sectionBytes(raw, parseMime(raw), u.section) : raw;
  if (data === null) throw badUrl(url, 'the message has no such section');
  return urlPartial(data, u.partial);
}

/** A store refusal (no such mailbox or message, a bad name) means the URL names nothing. */
function refusedAs(gone: () => never): (err: unknown) => never {
  return (err) => {
    const code = (err as { code?: unknown } | undefined)?.code;
    if (code === 'NO_SUCH_MAILBOX' || code === 'NO_SUCH_MESSAGE' || code === 'BAD_MAILBOX_NAME') gone();
    throw err;
  };
}
