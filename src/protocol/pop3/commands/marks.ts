/**
 * Deletion marks (RFC 1939 §5), TRANSACTION state; nothing is removed before QUIT:
 *   DELE msg        marks the message deleted (-ERR if it does not exist or is already marked)
 *   RSET            unmarks every message
 */
import { ok } from '../response.ts';
import { TRANSACTION, type CommandSpec } from './spec.ts';
import { messageIndex, transaction } from './maildrop.ts';

export const DELE: CommandSpec = {
  states: TRANSACTION,
  args: [1, 1],
  async run(s, cmd) {
    const t = transaction(s);
    const i = messageIndex(t, cmd.args[0]);
    t.deleted.add(i);
    return ok(`message ${i + 1} deleted`);
  },
};

export const RSET: CommandSpec = {
  states: TRANSACTION,
  args: [0, 0],
  async run(s) {
    const t = transaction(s);
    t.deleted.clear();
    return ok(`maildrop has ${t.drop.messages.length} messages (${t.drop.messages.reduce((sum, m) => sum + m.size, 0)} octets)`);
  },
};
