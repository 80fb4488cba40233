/**
 * The time bound every fuzz target holds its parsers to: one input of at most MAX_INPUT bytes
 * takes under SLOW_MS of CPU in any one parser call. A call over SLOW_MS of wall time is run three
 * more times and timed by the CPU time of this process, the fastest of the three counting: other
 * work on a shared machine and a GC pause do not fail a run. An input that is
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
  // wall time first: it bounds this thread's CPU time and costs nothing, where getrusage is a
  // system call (thousands per input made it most of the fuzzing's time)
  const wall = performance.now();
  const out = f();
  let best = performance.now() - wall;
  for (let i = 0; i < 3 && best > SLOW_MS; i++) {
    const start = process.cpuUsage();
    f();
    best = i === 0 ? cpuMs(start) : Math.min(best, cpuMs(start));
  }
  if (best > (slowest.get(label) ?? 0)) slowest.set(label, best);
  if (best > SLOW_MS) throw new SlowInputError(label, best);
  return out;
}

/**
 * fast-check options every fuzz property adds: a run (shrinking included) stops after this long,
 * so a failure found late on a loaded machine, shrunk input by input, never outlasts the test
 * timeout: the counterexample is reported as shrunk so far. Runs cut short by it pass.
 */
export const PROPERTY_TIME = { interruptAfterTimeLimit: 20_000 } as const;
