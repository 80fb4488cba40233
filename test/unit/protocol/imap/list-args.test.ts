/**
 * LIST / LSUB arguments with LIST-EXTENDED (RFC 5258 §3, §6), SPECIAL-USE (RFC 6154 §6) and
 * LIST-STATUS (RFC 5819 §4): client wire text → the typed command, bad options → BAD with a
 * reason, and the serializer's wire text for the extended forms.
 */
import { describe, expect, it } from 'vitest';
import { CommandReader, isImapParseError, parseCommand, serializeCommandBytes, type Command, type RawCommand } from '../../../../src/protocol/imap/index.ts';

function frame(wire: string): RawCommand {
  const r = new CommandReader({ maxLineLength: 8192, maxLiteralSize: 1 << 20 });
  const cmds = r.feed(Buffer.from(wire)).flatMap((e) => (e.kind === 'command' ? [e.command] : []));
  expect(cmds).toHaveLength(1);
  return cmds[0]!;
}
const parse = (wire: string): Command => parseCommand(frame(wire));

function failure(wire: string): string {
  try {
    parse(wire);
  } catch (err) {
    if (isImapParseError(err) && err.code === 'SYNTAX' && err.tag === 'a') return err.message;
    throw err;
  }
  throw new Error(`parsed: ${wire}`);
}

describe('LIST-EXTENDED arguments', () => {
  it.each<[string, string, Record<string, unknown>]>([
    ['basic LIST has no extended parts', 'a LIST "" *\r\n', { patterns: ['*'] }],
    ['empty selection', 'a LIST () "" %\r\n', { selection: [], patterns: ['%'] }],
    ['SPECIAL-USE selection (RFC 6154 §3)', 'a LIST (SPECIAL-USE) "" "*"\r\n', { selection: ['SPECIAL-USE'], patterns: ['*'] }],
    ['options are case-insensitive', 'a list (subscribed Remote recursivematch) "" %\r\n', { selection: ['SUBSCRIBED', 'REMOTE', 'RECURSIVEMATCH'], patterns: ['%'] }],
    ['RECURSIVEMATCH with SPECIAL-USE', 'a LIST (SPECIAL-USE RECURSIVEMATCH) "" %\r\n', { selection: ['SPECIAL-USE', 'RECURSIVEMATCH'], patterns: ['%'] }],
    ['return options', 'a LIST "" "*" RETURN (SPECIAL-USE children Subscribed)\r\n', { patterns: ['*'], returnOptions: [{ option: 'SPECIAL-USE' }, { option: 'CHILDREN' }, { option: 'SUBSCRIBED' }] }],
    ['empty RETURN ()', 'a LIST "" * RETURN ()\r\n', { patterns: ['*'], returnOptions: [] }],
    ['RETURN (STATUS …) (RFC 5819)', 'a LIST "" % RETURN (STATUS (MESSAGES unseen) CHILDREN)\r\n', { patterns: ['%'], returnOptions: [{ option: 'STATUS', items: ['MESSAGES', 'UNSEEN'] }, { option: 'CHILDREN' }] }],
    ['several patterns (RFC 5258 §5 example)', 'a LIST () "" ("INBOX" "Drafts" "Sent/%")\r\n', { selection: [], patterns: ['INBOX', 'Drafts', 'Sent/%'] }],
    ['one pattern in parentheses', 'a LIST "" (Sent*)\r\n', { patterns: ['Sent*'] }],
    ['everything at once', 'a LIST (SUBSCRIBED) "" (INBOX "Sent*") RETURN (STATUS (UIDNEXT))\r\n', { selection: ['SUBSCRIBED'], patterns: ['INBOX', 'Sent*'], returnOptions: [{ option: 'STATUS', items: ['UIDNEXT'] }] }],
    ['patterns are decoded from modified UTF-7', 'a LIST "" (Entw&APw-rfe* INBOX)\r\n', { patterns: ['Entwürfe*', 'INBOX'] }],
  ])('%s', (_n, wire, expected) => {
    expect(parse(wire)).toEqual({ tag: 'a', name: 'LIST', reference: '', ...expected });
  });

  it.each<[string, string, RegExp]>([
    ['unknown selection option', 'a LIST (FOLDERS) "" *\r\n', /Unknown LIST selection option FOLDERS/],
    ['unknown return option', 'a LIST "" * RETURN (COLOURS)\r\n', /Unknown LIST return option COLOURS/],
    ['option with a value we do not know', 'a LIST (VENDOR.X (1)) "" *\r\n', /Unknown LIST selection option VENDOR\.X/],
    ['RECURSIVEMATCH alone (RFC 5258 §3.1 note 4)', 'a LIST (RECURSIVEMATCH) "" *\r\n', /RECURSIVEMATCH needs/],
    ['RECURSIVEMATCH only with REMOTE', 'a LIST (REMOTE RECURSIVEMATCH) "" *\r\n', /RECURSIVEMATCH needs/],
    ['STATUS without items', 'a LIST "" * RETURN (STATUS)\r\n', /Expected SP/],
    ['STATUS with no items', 'a LIST "" * RETURN (STATUS ())\r\n', /Empty list/],
    ['STATUS with an unknown item', 'a LIST "" * RETURN (STATUS (COLOUR))\r\n', /status item/],
    ['no pattern in ()', 'a LIST "" ()\r\n', /Empty list/],
    ['something else than RETURN', 'a LIST "" * SELECT (CHILDREN)\r\n', /Expected RETURN/],
    ['unclosed selection', 'a LIST (SUBSCRIBED "" *\r\n', /Expected LIST selection option/],
    ['LSUB takes no selection options', 'a LSUB (SUBSCRIBED) "" *\r\n', /Expected string/],
    ['LSUB takes no return options', 'a LSUB "" * RETURN (CHILDREN)\r\n', /Unexpected characters/],
  ])('BAD: %s', (_n, wire, reason) => {
    expect(failure(wire)).toMatch(reason);
  });

  it.each<[string, Command, string]>([
    ['basic LIST unchanged', { tag: 'a', name: 'LIST', reference: '', patterns: ['*'] }, 'a LIST "" *\r\n'],
    ['selection, patterns and return options', { tag: 'a', name: 'LIST', reference: '', patterns: ['INBOX', 'Sent/%'], selection: ['SUBSCRIBED', 'RECURSIVEMATCH'], returnOptions: [{ option: 'CHILDREN' }, { option: 'STATUS', items: ['MESSAGES', 'UNSEEN'] }] }, 'a LIST (SUBSCRIBED RECURSIVEMATCH) "" (INBOX Sent/%) RETURN (CHILDREN STATUS (MESSAGES UNSEEN))\r\n'],
    ['empty selection and RETURN ()', { tag: 'a', name: 'LIST', reference: 'Lists', patterns: ['%'], selection: [], returnOptions: [] }, 'a LIST () Lists % RETURN ()\r\n'],
  ])('serializes %s', (_n, command, wire) => {
    expect(serializeCommandBytes(command, { literalPlus: true }).toString()).toBe(wire);
    expect(parse(wire)).toEqual(command);
  });

  it('refuses to serialize LSUB with extended parts', () => {
    expect(() => serializeCommandBytes({ tag: 'a', name: 'LSUB', reference: '', patterns: ['*'], returnOptions: [] })).toThrow(RangeError);
    expect(() => serializeCommandBytes({ tag: 'a', name: 'LSUB', reference: '', patterns: ['a', 'b'] })).toThrow(RangeError);
    expect(() => serializeCommandBytes({ tag: 'a', name: 'LIST', reference: '', patterns: [] })).toThrow(RangeError);
  });
});
