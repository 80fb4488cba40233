/** The dispatcher's table: command name → allowed states and handler (one module per family). */
import type { CommandSpec } from './spec.ts';
import { CAPABILITY, ID, LOGOUT, NAMESPACE, NOOP } from './general.ts';
import { ENABLE } from './condstore.ts';
import { AUTHENTICATE, LOGIN, STARTTLS } from './auth.ts';
import { CREATE, DELETE, GETQUOTA, GETQUOTAROOT, RENAME, SELECT, STATUS, SUBSCRIBE, UNSUBSCRIBE } from './mailboxes.ts';
import { LIST } from './list.ts';
import { APPEND } from './append.ts';
import { CHECK, CLOSE, EXPUNGE, UNSELECT } from './selected.ts';
import { FETCH } from './fetch.ts';
import { STORE } from './store.ts';
import { COPY } from './copy.ts';
import { SEARCH } from './search.ts';
import { SORT } from './sort.ts';
import { THREAD } from './thread.ts';
import { IDLE } from './idle.ts';
import { CANCELUPDATE } from './context.ts';
import { NOTIFY } from './notify.ts';

export const COMMANDS: ReadonlyMap<string, CommandSpec<never>> = new Map<string, CommandSpec<never>>([
  ['CAPABILITY', CAPABILITY], ['NOOP', NOOP], ['LOGOUT', LOGOUT], ['ID', ID], ['ENABLE', ENABLE], ['NAMESPACE', NAMESPACE],
  ['LOGIN', LOGIN], ['AUTHENTICATE', AUTHENTICATE], ['STARTTLS', STARTTLS],
  ['SELECT', SELECT], ['EXAMINE', SELECT], ['CREATE', CREATE], ['DELETE', DELETE], ['RENAME', RENAME],
  ['SUBSCRIBE', SUBSCRIBE], ['UNSUBSCRIBE', UNSUBSCRIBE], ['LIST', LIST], ['LSUB', LIST], ['STATUS', STATUS],
  ['GETQUOTAROOT', GETQUOTAROOT], ['GETQUOTA', GETQUOTA], ['APPEND', APPEND],
  ['CHECK', CHECK], ['CLOSE', CLOSE], ['UNSELECT', UNSELECT], ['EXPUNGE', EXPUNGE],
  ['FETCH', FETCH], ['STORE', STORE], ['COPY', COPY], ['MOVE', COPY], ['SEARCH', SEARCH], ['SORT', SORT], ['THREAD', THREAD], ['IDLE', IDLE],
  ['CANCELUPDATE', CANCELUPDATE], ['NOTIFY', NOTIFY],
] as Array<[string, CommandSpec<never>]>);
