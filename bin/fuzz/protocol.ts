/** What the fuzzing child tells its parent over IPC (main.ts reads it, child.ts sends it). */
import type { CrashKind } from './corpus.ts';

export interface Stats {
  execs: number;
  corpus: number;
  blocks: number;
  /** Distinct failures found (one reproducer each). */
  crashes: number;
  /** Wall time of the slowest input, whole target run. */
  slowestMs: number;
  peakRssMb: number;
}

export type ChildMessage =
  | { type: 'beat'; stats: Stats }
  | { type: 'crash'; kind: CrashKind; path: string; reason: string }
  | { type: 'done'; stats: Stats };

/** Per input, wall time past which it is a hang (the parent kills a child stuck this long, plus slack). */
export const HANG_MS = 1000;
/** The child says it is alive at least this often while it runs inputs. */
export const BEAT_MS = 100;
