/**
 * CANCELUPDATE (RFC 5267 §4.2): stops the updates of the named search contexts. A tag that names
 * no live context is NO, as Dovecot answers, and then none of the named contexts is cancelled.
 */
import { no } from '../errors.ts';
import { SELECTED, type CommandOf, type CommandSpec } from './spec.ts';

export const CANCELUPDATE: CommandSpec<CommandOf<'CANCELUPDATE'>> = {
  states: SELECTED,
  async run(s, cmd) {
    const unknown = cmd.tags.find((t) => !s.contexts.has(t));
    if (unknown !== undefined) throw no(`no search context has tag ${JSON.stringify(unknown)}`);
    for (const t of cmd.tags) s.contexts.cancel(t);
    return {};
  },
};
