/**
 * APPEND (RFC 3501 §6.3.11; UIDPLUS APPENDUID RFC 4315; QUOTA RFC 9208 §4.3):
 *   APPEND mailbox [(flags)] [date-time] literal     → OK [APPENDUID validity uid]
 * The reply comes only once the message and its UID are on disk. A missing mailbox is
 * `NO [TRYCREATE]`; a message that would exceed the account's quota is `NO [OVERQUOTA]`.
 */
import { asDestination, no } from '../errors.ts';
import { AUTHED, type CommandOf, type CommandSpec } from './spec.ts';

export const APPEND: CommandSpec<CommandOf<'APPEND'>> = {
  states: AUTHED,
  async run(s, cmd) {
    const a = s.account!;
    const name = cmd.mailbox.toUpperCase() === 'INBOX' ? 'INBOX' : cmd.mailbox;
    if (cmd.message.length === 0) throw no('empty message', 'CANNOT');
    const q = await a.quota();
    if (q.limitBytes > 0 && q.usedBytes + cmd.message.length > q.limitBytes) throw no('the message does not fit in the quota', 'OVERQUOTA');
    const flags = (cmd.flags ?? []).filter((f) => f.toLowerCase() !== '\\recent');
    const r = await a.appendMessage(name, cmd.message, flags, cmd.date).catch(asDestination(name));
    a.changed({ folder: name, added: true });
    if (s.mailbox?.name === name) s.dirty = true;
    return { text: 'APPEND completed', code: { code: 'APPENDUID', uidValidity: r.uidValidity, uid: r.uid } };
  },
};
