/**
 * Shared pieces of the command line's help: commander argument parsers for numbers (a bad value is
 * a usage error naming the flag, exit 1, never NaN passed on) and the example every command shows.
 */
import { InvalidArgumentError, type Command } from 'commander';

/** A parser for a whole number in [min, max]. */
export function integer(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('not a whole number.');
    if (n < min || n > max) throw new InvalidArgumentError(max === Number.MAX_SAFE_INTEGER ? `must be at least ${min}.` : `must be from ${min} to ${max}.`);
    return n;
  };
}

/** A parser for a number >= 0 (fractions allowed), e.g. a size in MiB. */
export function nonNegative(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number, 0 or more.');
  return n;
}

/** Appends "Examples:" to a command's help, one `$ mailcluster …` line each. */
export function example(cmd: Command, ...lines: string[]): Command {
  return cmd.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ mailcluster ${l}`).join('\n')}\n`);
}
