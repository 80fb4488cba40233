/**
 * A fuzz target: the parsers one protocol's input reaches, and the properties they must hold on
 * any bytes. Shared by the fast-check properties (test/unit/fuzz/*.fuzz.test.ts) and the
 * coverage-guided runner (bin/fuzz/): `run` throws on a violated property (an assertion, a
 * SlowInputError, or an exception other than the parsers' declared parse errors, which `run`
 * catches itself) and returns normally otherwise.
 */
export interface FuzzTarget<R extends void | Promise<void> = void | Promise<void>> {
  readonly name: string;
  /** Real input to start from: transcripts or messages (test/fixtures/fuzz/). */
  seeds(): Buffer[];
  /** The syntax bits the mutator inserts (mutate.ts). */
  readonly tokens: readonly string[];
  /** `cuts`: where to split the input into TCP chunks (targets that frame bytes check it does not matter). */
  run(input: Buffer, cuts?: number[]): R;
}

/** A transcript as seeds: the whole of it, and windows of a few consecutive lines. */
export function lineSeeds(lines: Buffer[], window = 6): Buffer[] {
  const out = [Buffer.concat(lines)];
  for (let i = 0; i < lines.length; i += Math.ceil(window / 2)) out.push(Buffer.concat(lines.slice(i, i + window)));
  return out;
}

/** Cut points from the input itself, for a runner that has no generator: a few spread offsets. */
export function cutsOf(input: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.min(8, input.length); i++) out.push((input[i]! * 7919 + i * 104_729) % (input.length + 1));
  return out;
}
