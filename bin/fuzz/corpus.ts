/**
 * The runner's files under .fuzz/ (git-ignored): `.fuzz/<target>/` holds the corpus (inputs that
 * reached new blocks, seeded from the target's fixtures when empty), `.fuzz/<target>/.current` the
 * input under way (what the parent saves when the child hangs or dies), `.fuzz/crashes/` the
 * reproducers: `<target>-<kind>-<hash>.bin` with the reason next to it in `.txt`.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = '.fuzz';
export const CRASHES = join(ROOT, 'crashes');

/** crash: an exception other than a declared parse error, or a broken property; slow: a parser call over the time bound; hang: an input over the watchdog; memory: over the RSS bound or out of heap. */
export type CrashKind = 'crash' | 'slow' | 'hang' | 'memory';

export const hashOf = (b: Buffer): string => createHash('sha1').update(b).digest('hex').slice(0, 16);

export class Corpus {
  readonly dir: string;
  readonly inputs: Buffer[] = [];
  private readonly known = new Set<string>();

  constructor(readonly target: string) {
    this.dir = join(ROOT, target);
  }

  /** Loads the corpus, writing the seeds first when it is empty. */
  load(seeds: Buffer[]): void {
    mkdirSync(this.dir, { recursive: true });
    let names = readdirSync(this.dir).filter((n) => n.endsWith('.bin'));
    if (names.length === 0) {
      for (const s of seeds) this.add(s);
      return;
    }
    names = names.sort();
    for (const n of names) {
      const b = readFileSync(join(this.dir, n));
      this.known.add(hashOf(b));
      this.inputs.push(b);
    }
  }

  /** Keeps an input (on disk too); false when it was there already. */
  add(input: Buffer): boolean {
    const h = hashOf(input);
    if (this.known.has(h)) return false;
    this.known.add(h);
    this.inputs.push(input);
    writeFileSync(join(this.dir, `${h}.bin`), input);
    return true;
  }

  get currentPath(): string {
    return join(this.dir, '.current');
  }
}

/** Saves a reproducer; returns its path. */
export function saveCrash(target: string, kind: CrashKind, input: Buffer, reason: string): string {
  mkdirSync(CRASHES, { recursive: true });
  const base = join(CRASHES, `${target}-${kind}-${hashOf(input)}`);
  writeFileSync(`${base}.bin`, input);
  writeFileSync(`${base}.txt`, `${reason}\n`);
  return `${base}.bin`;
}

/** The same for the input a dead or hung child left in `.current`. */
export function saveCurrent(target: string, kind: CrashKind, currentPath: string, reason: string): string | undefined {
  if (!existsSync(currentPath)) return undefined;
  const input = readFileSync(currentPath);
  const path = saveCrash(target, kind, input, reason);
  copyFileSync(path, `${currentPath}.last`);
  return path;
}
