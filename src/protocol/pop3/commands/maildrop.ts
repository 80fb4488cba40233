/**
 * Listing the maildrop (RFC 1939 §5, §7), TRANSACTION state; deleted messages are not listed:
 *   STAT            +OK count octets
 *   LIST [msg]      +OK msg octets | multi-line "msg octets"
 *   UIDL [msg]      +OK msg uid    | multi-line "msg uid"
 * Sizes are wire sizes (CRLF line ends, before byte-stuffing).
 */
import { multiline, ok } from '../response.ts';
import { badCommand, refuse } from '../errors.ts';
import { parseNumber } from '../parser.ts';
import type { Pop3Message } from '../hooks.ts';
import type { Pop3Session } from '../session.ts';
import { TRANSACTION, type CommandSpec } from './spec.ts';

type Transaction = Extract<Pop3Session['state'], { kind: 'transaction' }>;

export function transaction(s: Pop3Session): Transaction {
  if (s.state.kind !== 'transaction') throw badCommand('not in TRANSACTION state');
  return s.state;
}

/** The index of message `arg` (1-based on the wire); -ERR when it does not exist or is deleted. */
export function messageIndex(t: Transaction, arg: string | undefined): number {
  const n = parseNumber(arg);
  if (n === undefined) throw badCommand(`not a message number: ${arg ?? ''}`.trim());
  if (n < 1 || n > t.drop.messages.length) throw refuse(`no such message ${n}`);
  if (t.deleted.has(n - 1)) throw refuse(`message ${n} already deleted`);
  return n - 1;
}

function live(t: Transaction): Array<[number, Pop3Message]> {
  return t.drop.messages.map((m, i) => [i + 1, m] as [number, Pop3Message]).filter(([n]) => !t.deleted.has(n - 1));
}

export const STAT: CommandSpec = {
  states: TRANSACTION,
  args: [0, 0],
  async run(s) {
    const msgs = live(transaction(s));
    return ok(`${msgs.length} ${msgs.reduce((sum, [, m]) => sum + m.size, 0)}`);
  },
};

function listing(field: (m: Pop3Message) => string | number, title: string): CommandSpec {
  return {
    states: TRANSACTION,
    args: [0, 1],
    async run(s, cmd) {
      const t = transaction(s);
      if (cmd.args.length === 1) {
        const i = messageIndex(t, cmd.args[0]);
        return ok(`${i + 1} ${field(t.drop.messages[i]!)}`);
      }
      const msgs = live(t);
      return multiline(`${msgs.length} messages ${title}`, msgs.map(([n, m]) => `${n} ${field(m)}`));
    },
  };
}

export const LIST = listing((m) => m.size, 'listed');
export const UIDL = listing((m) => m.uidl, 'with unique ids');
