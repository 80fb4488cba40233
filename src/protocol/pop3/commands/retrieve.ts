/**
 * Reading messages (RFC 1939 §7), TRANSACTION state:
 *   RETR msg        +OK octets, then the message, byte-stuffed, ending CRLF "." CRLF
 *   TOP msg n       +OK, then the headers, the blank line and the first n body lines
 * A retrieved message (RETR only, as Dovecot) is marked \Seen at QUIT, with the deletions.
 */
import { messageReply } from '../response.ts';
import { badCommand } from '../errors.ts';
import { parseNumber } from '../parser.ts';
import { TRANSACTION, type CommandSpec } from './spec.ts';
import { messageIndex, transaction } from './maildrop.ts';

export const RETR: CommandSpec = {
  states: TRANSACTION,
  args: [1, 1],
  async run(s, cmd) {
    const t = transaction(s);
    const i = messageIndex(t, cmd.args[0]);
    const data = await t.drop.read(i);
    t.retrieved.add(i);
    return messageReply(`${t.drop.messages[i]!.size} octets`, data);
  },
};

export const TOP: CommandSpec = {
  states: TRANSACTION,
  args: [2, 2],
  async run(s, cmd) {
    const t = transaction(s);
    const i = messageIndex(t, cmd.args[0]);
    const lines = parseNumber(cmd.args[1]);
    if (lines === undefined) throw badCommand(`not a line count: ${cmd.args[1]}`);
    return messageReply('top of message follows', await t.drop.read(i), lines);
  },
};
