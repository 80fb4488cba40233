/**
 * Any-state commands (RFC 3501 §6.1; ID RFC 2971; NAMESPACE RFC 2342):
 *   CAPABILITY   NOOP   LOGOUT   ID (params | NIL)   NAMESPACE
 * ENABLE (RFC 5161) is condstore.ts's: CONDSTORE and QRESYNC are what it can turn on.
 */
import { capabilityData, idData, namespaceData } from '../../response-data.ts';
import { APPEND_CAPABILITIES } from './append.ts';
import { CONDSTORE_CAPABILITIES } from './condstore.ts';
import { REV2 } from './rev2.ts';
import { untaggedStatus } from '../../response.ts';
import type { ImapSession } from '../session.ts';
import { ANY, AUTHED, type CommandOf, type CommandSpec } from './spec.ts';

/**
 * Capabilities advertised: only what is implemented; auth ones depend on TLS state. QUOTA names
 * the one resource an account can be limited in, STORAGE (RFC 9208 §3.1); accounts have no
 * message-count limit, so there is no QUOTA=RES-MESSAGE. LIST-EXTENDED (RFC 5258) and LIST-STATUS
 * (RFC 5819) are list.ts's; SORT, SORT=DISPLAY, ESORT and THREAD= are sort.ts's and thread.ts's
 * (CONTEXT=SEARCH / CONTEXT=SORT: search-context.ts and context.ts); NOTIFY (RFC 5465) is notify.ts's; RFC 6154 §3 has SPECIAL-USE servers support LIST (SPECIAL-USE).
 * MULTIAPPEND (and later BINARY, CATENATE) are append.ts's.
 * IMAP4rev2 (RFC 9051) beside IMAP4rev1: what ENABLE IMAP4rev2 changes is rev2.ts's; the extensions
 * rev2 folds in are the ones listed here. LITERAL+ is advertised, not LITERAL- (RFC 7888): LITERAL+
 * already accepts every non-synchronising literal LITERAL- allows (up to 4096 octets) and more.
 * APPENDLIMIT=n (RFC 7889 §3) is the largest message APPEND stores, a literal or a CATENATE result
 * (the connection's maxLiteralSize): one of exactly n octets is accepted, n + 1 gets NO [TOOBIG].
 * SEARCHRES (RFC 5182, required by rev2) is searchres.ts's.
 */
export function capabilities(s: ImapSession): string[] {
  const caps = ['IMAP4rev1', REV2, 'LITERAL+', 'SASL-IR', 'ID', 'ENABLE', 'IDLE', 'NAMESPACE', 'UIDPLUS', 'MOVE', 'UNSELECT', 'ESEARCH', 'SEARCHRES', 'CHILDREN', 'SPECIAL-USE', 'LIST-EXTENDED', 'LIST-STATUS', 'QUOTA', 'QUOTA=RES-STORAGE', 'SORT', 'SORT=DISPLAY', 'ESORT', 'CONTEXT=SEARCH', 'CONTEXT=SORT', 'THREAD=ORDEREDSUBJECT', 'THREAD=REFERENCES', 'NOTIFY', ...APPEND_CAPABILITIES, ...CONDSTORE_CAPABILITIES];
  if (s.o.maxMessageSize !== undefined && Number.isFinite(s.o.maxMessageSize)) caps.push(`APPENDLIMIT=${s.o.maxMessageSize}`);
  if (s.state.kind === 'not-authenticated') {
    if (!s.io.secure && s.io.startTls) caps.push('STARTTLS');
    if (!s.io.secure && !s.o.allowPlaintextAuth) caps.push('LOGINDISABLED');
    else caps.push('AUTH=PLAIN');
  }
  return caps;
}

export const CAPABILITY: CommandSpec<CommandOf<'CAPABILITY'>> = {
  states: ANY,
  async run(s) {
    s.send(capabilityData(capabilities(s)));
    return {};
  },
};

export const NOOP: CommandSpec<CommandOf<'NOOP'>> = { states: ANY, run: async () => ({}) };

export const LOGOUT: CommandSpec<CommandOf<'LOGOUT'>> = {
  states: ANY,
  async run(s, cmd) {
    s.send(untaggedStatus('BYE', 'logging out'));
    s.logout();
    s.send(Buffer.from(`${cmd.tag} OK LOGOUT completed\r\n`));
    s.io.close();
    return {};
  },
};

export const ID: CommandSpec<CommandOf<'ID'>> = {
  states: ANY,
  async run(s) {
    s.send(idData([{ key: 'name', value: 'mailcluster' }, { key: 'vendor', value: 'mailcluster' }, { key: 'server', value: s.o.serverName }]));
    return {};
  },
};

export const NAMESPACE: CommandSpec<CommandOf<'NAMESPACE'>> = {
  states: AUTHED,
  async run(s) {
    s.send(namespaceData([{ prefix: '', delimiter: '/' }], null, null));
    return {};
  },
};
