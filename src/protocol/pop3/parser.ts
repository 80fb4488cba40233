/**
 * POP3 command line grammar (RFC 1939 §3, RFC 2449 §3):
 *   command = keyword *(SP argument)       ; keyword: 3–4 printable characters, case-insensitive
 *   argument = 1*40 printable characters   ; RFC 2449 §3 allows SP-separated arguments of ≤ 40
 * Pure: a line (without CRLF) in, a parsed command or a reason out.
 * Departures: runs of spaces between arguments are accepted; PASS keeps its whole rest of line
 * (RFC 1939 §7 allows spaces inside the password); arguments of USER, PASS and AUTH may exceed 40
 * characters (account names, passwords and SASL initial responses often do).
 */
export interface ParsedCommand {
  /** Upper-cased keyword. */
  readonly verb: string;
  readonly args: readonly string[];
  /** Everything after the keyword and one space, as sent (PASS). */
  readonly rest: string;
}

export type ParseResult = { ok: true; command: ParsedCommand } | { ok: false; message: string };

const MAX_ARG = 40;
const LONG_ARGS = new Set(['USER', 'PASS', 'AUTH']);

export function parseCommand(line: string): ParseResult {
  if (!/^[\x20-\x7e]*$/.test(line)) return { ok: false, message: 'commands are printable ASCII' };
  const sp = line.indexOf(' ');
  const keyword = sp < 0 ? line : line.slice(0, sp);
  if (!/^[A-Za-z]{3,4}$/.test(keyword)) return { ok: false, message: 'unknown command' };
  const verb = keyword.toUpperCase();
  const rest = sp < 0 ? '' : line.slice(sp + 1);
  const args = rest.split(' ').filter((a) => a.length > 0);
  if (!LONG_ARGS.has(verb) && args.some((a) => a.length > MAX_ARG)) return { ok: false, message: `arguments are at most ${MAX_ARG} characters` };
  return { ok: true, command: { verb, args, rest } };
}

/** A message number argument: 1..2^31, decimal, no sign or leading zeros beyond "0" itself. */
export function parseNumber(arg: string | undefined): number | undefined {
  if (arg === undefined || !/^\d{1,10}$/.test(arg)) return undefined;
  const n = Number(arg);
  return n <= 2 ** 31 ? n : undefined;
}
