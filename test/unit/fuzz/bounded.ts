/**
 * The time bound every fuzz target holds its parsers to: one input of at most MAX_INPUT bytes
 * takes under SLOW_MS of CPU in any one parser call. CPU time of this process, not wall time, so
 * other work on a shared machine does not count; a call over the bound is timed twice more and
 * only the fastest of the three counts, so a GC pause does not fail a run either. An input that is
 * slow three times over is a denial-of-service bug, reported as SlowInputError.
 */
export const SLOW_MS = 100;
/**
 * Inputs larger than this are cut: the bound is for inputs this big. At 32 KB a linear parser
 * (≈ 1–2 µs a byte here, GC included) stays well under SLOW_MS even on a loaded machine, and a
 * quadratic one is far over it (the bugs found took 0.5–6 s).
 */
export const MAX_INPUT = 32 * 1024;

export class SlowInputError extends Error {
  constructor(readonly label: string, readonly ms: number) {
    super(`${label} took ${ms.toFixed(1)} ms (bound ${SLOW_MS} ms)`);
    this.name = 'SlowInputError';
  }
}

/** Runs `f` (pure: it may run up to three times) and returns its result, or throws SlowInputError. */
/** Milliseconds of CPU (user and system) this process used since `from`. */
export function cpuMs(from?: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1000;
}

/** The slowest call seen per label, in ms of CPU (the runner prints it). */
export const slowest = new Map<string, number>();

export function bounded<T>(label: string, f: () => T): T {
  let start = process.cpuUsage();
  const out = f();
  let best = cpuMs(start);
  for (let i = 0; i < 2 && best > SLOW_MS; i++) {
    start = process.cpuUsage();
    f();
    best = Math.min(best, cpuMs(start));
  }
  if (best > (slowest.get(label) ?? 0)) slowest.set(label, best);
  if (best > SLOW_MS) throw new SlowInputError(label, best);
  return out;
}
