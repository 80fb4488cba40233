/** The shape every command module exports: the states it is allowed in and its handler. */
import type { Command } from '../../types.ts';
import type { Done, ImapSession, StateKind } from '../session.ts';

export interface CommandSpec<C extends Command = Command> {
  states: readonly StateKind[];
  /** Resolves with the tagged OK (or undefined when the command completes later); throws ImapError. */
  run(session: ImapSession, cmd: C): Promise<Done | undefined>;
}

/** The command type(s) named N (a union member whose `name` is itself a union is narrowed to N). */
export type CommandOf<N extends Command['name']> = N extends Command['name'] ? (Command extends infer C ? (C extends { name: infer M } ? (N extends M ? C & { name: N } : never) : never) : never) : never;

export const ANY: readonly StateKind[] = ['not-authenticated', 'authenticated', 'selected'];
export const AUTHED: readonly StateKind[] = ['authenticated', 'selected'];
export const SELECTED: readonly StateKind[] = ['selected'];
export const NOT_AUTHED: readonly StateKind[] = ['not-authenticated'];
