/**
 * The one error type the IMAP parser throws. `code` is stable (callers switch on it, never on the
 * text); `message` is short printable US-ASCII without CR/LF, built only from constant text and
 * atoms already validated by the lexer, so a server may send it verbatim as `<tag> BAD <message>`
 * (or `* BAD <message>` when `tag` is undefined because the tag itself was unreadable).
 *
 * The mapping of codes to wire replies (BAD vs NO, response codes) belongs to the IMAP error
 * mapper in src/errors; `responseCode` is only a hint for the cases RFCs pin down.
 */
export type ImapParseErrorCode =
  | 'SYNTAX' // anything the grammar does not allow
  | 'UNKNOWN_COMMAND'
  | 'MAILBOX_ENCODING' // a mailbox name that is not canonical modified UTF-7 (RFC 3501 §5.1.3)
  | 'UNSUPPORTED'; // well-formed but an extension we do not implement (e.g. literal8)

export class ImapParseError extends Error {
  constructor(
    readonly code: ImapParseErrorCode,
    message: string,
    readonly tag: string | undefined,
    /** The command's name, when it was read (MAILBOX_ENCODING: the command is otherwise well-formed). */
    readonly command?: string,
  ) {
    super(message);
    this.name = 'ImapParseError';
  }
}

export function isImapParseError(err: unknown, code?: ImapParseErrorCode): err is ImapParseError {
  return err instanceof ImapParseError && (code === undefined || err.code === code);
}
