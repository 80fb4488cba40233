/**
 * The one place POP3 replies are chosen for errors (style habit 5): handlers throw Pop3Error for
 * protocol-level refusals (`bad: true` ones count toward the bad-command limit); storage and
 * cluster errors arrive with a `code` and are mapped here to `-ERR` with an RFC 2449 / RFC 3206
 * response code. Anything else is an internal failure: `-ERR [SYS/TEMP]` without details.
 */
import type { RespCode } from './response.ts';
import { isDiskFull } from '../../util/errno.ts';

export class Pop3Error extends Error {
  constructor(message: string, readonly code?: RespCode, readonly bad = false) {
    super(message);
    this.name = 'Pop3Error';
  }
}

/** A refusal that is the client's fault (syntax, state): counts toward maxBadCommands. */
export const badCommand = (message: string): Pop3Error => new Pop3Error(message, undefined, true);
export const refuse = (message: string, code?: RespCode): Pop3Error => new Pop3Error(message, code);

const BY_CODE: Record<string, { code: RespCode; text: string }> = {
  NO_SUCH_MESSAGE: { code: 'SYS/TEMP', text: 'message was deleted by another session' },
  FENCED: { code: 'SYS/TEMP', text: 'this mailbox moved to another server; please reconnect' },
  HOLDER_UNREACHABLE: { code: 'SYS/TEMP', text: 'the server holding this mailbox is not reachable now; please retry' },
  NOT_SERVING: { code: 'SYS/TEMP', text: 'this server is not serving the mailbox now; please reconnect' },
  CLOSED: { code: 'SYS/TEMP', text: 'mailbox closed; please reconnect' },
};

export function toPop3Error(e: unknown): { error: Pop3Error; internal: boolean } {
  if (e instanceof Pop3Error) return { error: e, internal: false };
  const code = (e as { code?: unknown } | undefined)?.code;
  const known = typeof code === 'string' ? BY_CODE[code] : undefined;
  if (known) return { error: new Pop3Error(known.text, known.code), internal: false };
  if (isDiskFull(e)) return { error: new Pop3Error('the server is out of disk space; please try again later', 'SYS/TEMP'), internal: true };
  return { error: new Pop3Error('internal server error', 'SYS/TEMP'), internal: true };
}
