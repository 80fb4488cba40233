/** The shape every command module exports: allowed states, argument count and handler. */
import type { ParsedCommand } from '../parser.ts';
import type { Pop3Session, StateKind } from '../session.ts';

export interface CommandSpec {
  states: readonly StateKind[];
  /** Allowed number of arguments, [min, max]. */
  args: readonly [number, number];
  /** Resolves with the reply, or undefined when the handler wrote it (or the session was handed off); throws Pop3Error. */
  run(session: Pop3Session, cmd: ParsedCommand): Promise<Buffer | undefined>;
}

export const AUTHORIZATION: readonly StateKind[] = ['authorization'];
export const TRANSACTION: readonly StateKind[] = ['transaction'];
export const BOTH: readonly StateKind[] = ['authorization', 'transaction'];
