/**
 * APPEND (RFC 3501 §6.3.11; UIDPLUS APPENDUID RFC 4315; QUOTA RFC 9208 §4.3), with MULTIAPPEND
 * (RFC 3502), literal8 message data (BINARY, RFC 3516 §4.4) and CATENATE (RFC 4469, catenate.ts):
 *   APPEND mailbox [(flags)] [date-time] literal …   → OK [APPENDUID validity uid-set]
 * Several messages are stored all or none, in one commit: the reply comes only once every
 * message and its UID are on disk, and any refusal (an empty message, the quota, a bad flag, the
 * store, a CATENATE URL that names nothing: BADURL) leaves none of them. A missing mailbox is
 * `NO [TRYCREATE]`; messages that together would exceed the account's quota are `NO [OVERQUOTA]`.
 * Binary data is stored as sent. CATENATE parts are all resolved before anything is stored.
 */
import { asDestination, no } from '../errors.ts';
import { catenate, MAX_URL_PARTS } from './catenate.ts';
import { AUTHED, type CommandOf, type CommandSpec } from './spec.ts';

/** What APPEND implements (advertised by general.ts); BINARY's FETCH side is fetch.ts's. */
export const APPEND_CAPABILITIES = ['MULTIAPPEND', 'BINARY', 'CATENATE'] as const;

export const APPEND: CommandSpec<CommandOf<'APPEND'>> = {
  states: AUTHED,
  async run(s, cmd) {
    const a = s.account!;
    const name = cmd.mailbox.toUpperCase() === 'INBOX' ? 'INBOX' : cmd.mailbox;
    const budget = { left: MAX_URL_PARTS };
    const messages = [];
    for (const m of cmd.messages) {
      const data = m.data.kind === 'literal' ? m.data.bytes : await catenate(a, m.data.parts, s.o.maxMessageSize ?? Infinity, budget);
      if (data.length === 0) throw no('empty message', 'CANNOT');
      messages.push({ data, flags: (m.flags ?? []).filter((f) => f.toLowerCase() !== '\\recent'), ...(m.date ? { date: m.date } : {}) });
    }
    const total = messages.reduce((n, m) => n + m.data.length, 0);
    const q = await a.quota();
    if (q.limitBytes > 0 && q.usedBytes + total > q.limitBytes) throw no(messages.length > 1 ? 'the messages do not fit in the quota' : 'the message does not fit in the quota', 'OVERQUOTA');
    const r = await a.appendMessages(name, messages).catch(asDestination(name));
    a.changed({ folder: name, added: true });
    if (s.mailbox?.name === name) s.dirty = true;
    return { text: 'APPEND completed', code: { code: 'APPENDUID', uidValidity: r.uidValidity, uids: r.uids } };
  },
};
