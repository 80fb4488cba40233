/**
 * Framed command → typed AST (RFC 3501 §6 / §9, RFC 9051 §6 / §9). One dispatcher; the argument
 * grammar of each command family lives in commands/*.ts next to its serializer.
 *
 *   command = tag SP (command-name / "UID" SP uid-command-name) [args] CRLF
 *
 * Pure and synchronous. Every function here throws ImapParseError on bad input and nothing else;
 * its message can be sent as `<tag> BAD <message>` (err.tag undefined → `* BAD`). Lines sent while
 * a command is in progress are not commands: use parseIdleDone during IDLE and
 * parseAuthenticateResponse during AUTHENTICATE.
 */
import { SP, isTagChar } from './chars.ts';
import { parseAuthenticate, parseEnable, parseId, parseLogin } from './commands/auth-args.ts';
import { parseAppend } from './commands/append-args.ts';
import type { ParseContext } from './commands/common.ts';
import { parseFetch } from './commands/fetch-args.ts';
import { parseList } from './commands/list-args.ts';
import { parseMailboxCommand, parseRename, parseStatus } from './commands/mailbox-args.ts';
import { parseCopy, parseExpunge, parseStore } from './commands/message-args.ts';
import { parseSearch } from './commands/search-args.ts';
import { parseSort, parseThread } from './commands/sort-args.ts';
import { parseCancelUpdate } from './commands/context-args.ts';
import { parseNotify } from './commands/notify-args.ts';
import { ImapParseError } from './errors.ts';
import { Scanner } from './lexer.ts';
import type { RawCommand } from './reader.ts';
import { MAILBOX_COMMANDS, NO_ARG_COMMANDS, type CodecOptions, type Command } from './types.ts';

export { parseAuthenticateResponse, type AuthenticateResponse } from './commands/auth-args.ts';

type ArgParser = (s: Scanner, ctx: ParseContext) => Command;

const noArgs =
  (name: (typeof NO_ARG_COMMANDS)[number]): ArgParser =>
  (_s, ctx) => ({ tag: ctx.tag, name });

const PARSERS: ReadonlyMap<string, ArgParser> = new Map<string, ArgParser>([
  ...NO_ARG_COMMANDS.map((n) => [n, noArgs(n)] as const),
  ...MAILBOX_COMMANDS.map((n) => [n, parseMailboxCommand(n)] as const),
  ['LOGIN', parseLogin],
  ['AUTHENTICATE', parseAuthenticate],
  ['ENABLE', parseEnable],
  ['ID', parseId],
  ['RENAME', parseRename],
  ['LIST', parseList('LIST')],
  ['LSUB', parseList('LSUB')],
  ['STATUS', parseStatus],
  ['APPEND', parseAppend],
  ['EXPUNGE', parseExpunge],
  ['COPY', parseCopy('COPY')],
  ['MOVE', parseCopy('MOVE')],
  ['STORE', parseStore],
  ['FETCH', parseFetch],
  ['SEARCH', parseSearch],
  ['SORT', parseSort],
  ['THREAD', parseThread],
  ['CANCELUPDATE', parseCancelUpdate],
  ['NOTIFY', parseNotify],
]);

/** Commands that take the UID prefix (RFC 3501 §6.4.8, UID MOVE RFC 6851, UID EXPUNGE RFC 4315). */
export const UID_COMMANDS: ReadonlySet<string> = new Set(['FETCH', 'STORE', 'COPY', 'MOVE', 'SEARCH', 'EXPUNGE', 'SORT', 'THREAD']);

const MAX_NAME_IN_ERROR = 32;

/** Parses one command. Throws ImapParseError (SYNTAX, UNKNOWN_COMMAND, MAILBOX_ENCODING, UNSUPPORTED). */
export function parseCommand(raw: RawCommand, options: CodecOptions = {}): Command {
  const s: Scanner = new Scanner(raw);
  const tag = s.takeWhile(isTagChar);
  if (tag.length === 0 || (s.peek() !== SP && !s.atEnd())) throw new ImapParseError('SYNTAX', 'Missing or invalid tag', undefined);
  s.tag = tag;
  if (!s.accept(SP)) s.fail('Missing command');
  let name = s.atom('command name').toUpperCase();
  let uid = false;
  if (name === 'UID') {
    s.sp();
    name = s.atom('command name').toUpperCase();
    uid = true;
    if (!UID_COMMANDS.has(name)) s.fail(`Unknown command UID ${name.slice(0, MAX_NAME_IN_ERROR)}`, 'UNKNOWN_COMMAND');
  }
  const parse = PARSERS.get(name);
  if (parse === undefined) s.fail(`Unknown command ${name.slice(0, MAX_NAME_IN_ERROR)}`, 'UNKNOWN_COMMAND');
  const command = parse(s, { tag, uid, utf8: options.utf8 === true });
  s.expectEnd();
  if (s.badMailboxName) throw new ImapParseError('MAILBOX_ENCODING', 'Mailbox name is not valid modified UTF-7', tag, name);
  return command;
}

/** The line that ends IDLE (RFC 2177 §3): `DONE`, case-insensitive. Throws ImapParseError otherwise. */
export function parseIdleDone(raw: RawCommand): void {
  const s: Scanner = new Scanner(raw);
  if (s.takeWhile(() => true).toUpperCase() !== 'DONE' || !s.atEnd()) s.fail('Expected DONE');
}

/** Parses, returning the error instead of throwing it. */
export function tryParseCommand(raw: RawCommand, options: CodecOptions = {}): { ok: true; command: Command } | { ok: false; error: ImapParseError } {
  try {
    return { ok: true, command: parseCommand(raw, options) };
  } catch (err) {
    if (err instanceof ImapParseError) return { ok: false, error: err };
    throw err;
  }
}
