/**
 * The one place IMAP replies are chosen for errors (style habit 5): handlers throw ImapError for
 * protocol-level refusals; storage and cluster errors arrive with a `code` and are mapped here.
 * A full disk is `NO [UNAVAILABLE]`: temporary, and not the user's quota (still logged, since an
 * operator must act). Anything else is an internal failure: `NO [SERVERBUG]` without details
 * (details go to the log).
 */
import type { AtomResponseCode, ResponseCode } from '../response-codes.ts';
import { isDiskFull } from '../../../util/errno.ts';

export class ImapError extends Error {
  constructor(
    readonly status: 'NO' | 'BAD',
    message: string,
    readonly code?: AtomResponseCode | 'BADCHARSET' | 'BADURL',
    /** The whole response code when it carries data beyond its name (BADURL's URL). */
    readonly detail?: ResponseCode,
  ) {
    super(message);
    this.name = 'ImapError';
  }
}

/** `NO [BADURL url]` (RFC 4469 §5): a CATENATE URL that names nothing this user can read. */
export const badUrl = (url: string, message: string): ImapError => new ImapError('NO', message, 'BADURL', { code: 'BADURL', url });

export const no = (message: string, code?: AtomResponseCode | 'BADCHARSET'): ImapError => new ImapError('NO', message, code);
export const bad = (message: string, code?: AtomResponseCode): ImapError => new ImapError('BAD', message, code);

const BY_CODE: Record<string, { code?: AtomResponseCode; text: string }> = {
  BAD_MAILBOX_NAME: { code: 'CANNOT', text: 'invalid mailbox name' },
  NO_SUCH_MAILBOX: { code: 'NONEXISTENT', text: 'no such mailbox' },
  MAILBOX_EXISTS: { code: 'ALREADYEXISTS', text: 'mailbox already exists' },
  CANNOT: { code: 'CANNOT', text: 'operation not permitted on this mailbox' },
  NO_SUCH_MESSAGE: { code: 'EXPUNGEISSUED', text: 'message was expunged' },
  BAD_FLAG: { code: 'CANNOT', text: 'invalid flag' },
  TOO_MANY_KEYWORDS: { code: 'LIMIT', text: 'too many keywords in this mailbox' },
  OVERQUOTA: { code: 'OVERQUOTA', text: 'quota exceeded' },
  FENCED: { code: 'UNAVAILABLE', text: 'this mailbox moved to another server; please reconnect' },
  HOLDER_UNREACHABLE: { code: 'UNAVAILABLE', text: 'the server holding this mailbox is not reachable now; please retry' },
  NOT_SERVING: { code: 'UNAVAILABLE', text: 'this server is not serving the mailbox now; please reconnect' },
  CLOSED: { code: 'UNAVAILABLE', text: 'mailbox closed; please reconnect' },
};

export function toImapError(err: unknown): { error: ImapError; internal: boolean } {
  if (err instanceof ImapError) return { error: err, internal: false };
  if (err instanceof Error && err.name === 'ImapParseError') return { error: new ImapError('BAD', err.message), internal: false };
  const code = (err as { code?: unknown } | undefined)?.code;
  const known = typeof code === 'string' ? BY_CODE[code] : undefined;
  if (known) return { error: new ImapError('NO', known.text, known.code), internal: false };
  if (isDiskFull(err)) return { error: new ImapError('NO', 'the server is out of disk space; please try again later', 'UNAVAILABLE'), internal: true };
  return { error: new ImapError('NO', 'internal server error', 'SERVERBUG'), internal: true };
}

/**
 * For the target of APPEND, COPY and MOVE: a missing mailbox is `NO [TRYCREATE]` (RFC 3501
 * §6.3.11, §6.4.7) so the client may CREATE it and retry; other errors pass through unchanged.
 * Use as `.catch(asDestination(name))`.
 */
export function asDestination(mailbox: string): (err: unknown) => never {
  return (err) => {
    if ((err as { code?: unknown } | undefined)?.code === 'NO_SUCH_MAILBOX') throw no(`no mailbox ${mailbox}; create it first`, 'TRYCREATE');
    throw err;
  };
}
