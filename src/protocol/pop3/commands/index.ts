/** Every POP3 command the session dispatches, by upper-case keyword. */
import type { CommandSpec } from './spec.ts';
import { AUTH, PASS, USER } from './auth.ts';
import { CAPA, NOOP, QUIT, STLS } from './general.ts';
import { LIST, STAT, UIDL } from './maildrop.ts';
import { DELE, RSET } from './marks.ts';
import { RETR, TOP } from './retrieve.ts';

export const COMMANDS: ReadonlyMap<string, CommandSpec> = new Map(Object.entries({ USER, PASS, AUTH, CAPA, NOOP, STLS, QUIT, STAT, LIST, UIDL, RETR, TOP, DELE, RSET }));
