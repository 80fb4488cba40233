/**
 * NOTIFY (RFC 5465 §3): `NOTIFY SET [(STATUS)] (filter events)…` replaces the session's
 * notification request, `NOTIFY NONE` turns every notification off (the selected mailbox's
 * updates then come only at the end of commands). What is reported and how: server/notify.ts.
 *
 * Refusals:
 * - BAD: MessageNew without MessageExpunge or the reverse, FlagChange without both (§5), and
 *   MessageNew fetch attributes outside a SELECTED / SELECTED-DELAYED group (§5.2).
 * - `NO [BADEVENT (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange)]` for any
 *   other event (AnnotationChange and the METADATA events: no ANNOTATE / METADATA here) (§3).
 * A refused NOTIFY leaves the previous request in force.
 */
import { serverWriter } from '../../response.ts';
import type { NotifyGroup } from '../../types.ts';
import { bad } from '../errors.ts';
import { Notifier } from '../notify.ts';
import { AUTHED, type CommandOf, type CommandSpec } from './spec.ts';

export const SUPPORTED_EVENTS = ['MessageNew', 'MessageExpunge', 'FlagChange', 'MailboxName', 'SubscriptionChange'];

function check(groups: readonly NotifyGroup[]): string | undefined {
  for (const g of groups) {
    const names = new Set(g.events?.map((e) => e.name) ?? []);
    if (names.has('MessageNew') !== names.has('MessageExpunge')) throw bad('MessageNew and MessageExpunge go together');
    if (names.has('FlagChange') && !names.has('MessageNew')) throw bad('FlagChange needs MessageNew and MessageExpunge');
    const selected = g.filter.kind === 'SELECTED' || g.filter.kind === 'SELECTED-DELAYED';
    if (!selected && g.events?.some((e) => e.fetch)) throw bad('MessageNew fetch attributes are for the selected mailbox only');
    const unsupported = [...names].find((n) => !SUPPORTED_EVENTS.includes(n));
    if (unsupported) return unsupported;
  }
  return undefined;
}

export const NOTIFY: CommandSpec<CommandOf<'NOTIFY'>> = {
  states: AUTHED,
  async run(s, cmd) {
    const groups = cmd.set?.groups ?? [];
    const unsupported = check(groups);
    if (unsupported !== undefined) {
      // BADEVENT carries a list, which the shared response-code union has no member for: written here
      const line = serverWriter().raw(`${cmd.tag} NO [BADEVENT (${SUPPORTED_EVENTS.join(' ')})] event ${unsupported} is not supported`).crlf().toBuffer();
      s.send(line);
      return undefined;
    }
    const notifier = new Notifier(s, groups);
    s.notifier = notifier;
    if (cmd.set?.status) await notifier.initialStatus();
    return {};
  },
};
