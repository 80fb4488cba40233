/**
 * Restarts processes of a local cluster that die (`mailcluster dev --restart`, the chaos suite):
 * a node or etcd member that exits without stop() having asked for it is started again after a
 * backoff — 1 s, doubled each time the process dies within 10 s of its last start, at most 10 s.
 * Every exit and restart is reported through `report` (the dev command prints it).
 */
import type { EventEmitter } from 'node:events';

export interface Supervisable extends EventEmitter<{ exit: [{ code: number | null; signal: NodeJS.Signals | null }] }> {
  readonly name: string;
  readonly pid: number | undefined;
  readonly stopping: boolean;
  start(): Promise<void>;
}

export type SupervisorEvent =
  | { event: 'exited'; name: string; code: number | null; signal: string | null; restartInMs: number }
  | { event: 'restarted'; name: string; pid: number | undefined; downMs: number }
  | { event: 'restart failed'; name: string; error: string };

export interface SupervisorOptions { backoffMs?: number; maxBackoffMs?: number; report?: (e: SupervisorEvent) => void }

export class Supervisor {
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly state = new Map<Supervisable, { startedAt: number; backoffMs: number }>();
  private readonly base: number;
  private readonly max: number;

  constructor(private readonly o: SupervisorOptions = {}) {
    this.base = o.backoffMs ?? 1000;
    this.max = o.maxBackoffMs ?? 10_000;
  }

  /** Watches a process that is running now. */
  watch(p: Supervisable): void {
    this.state.set(p, { startedAt: Date.now(), backoffMs: this.base });
    p.on('exit', ({ code, signal }) => this.onExit(p, code, signal));
  }

  private onExit(p: Supervisable, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.closed || p.stopping) return;
    const s = this.state.get(p)!;
    const diedAt = Date.now();
    if (diedAt - s.startedAt >= 10_000) s.backoffMs = this.base;
    const delay = s.backoffMs;
    s.backoffMs = Math.min(this.max, s.backoffMs * 2);
    this.o.report?.({ event: 'exited', name: p.name, code, signal, restartInMs: delay });
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.closed || p.stopping) return;
      s.startedAt = Date.now();
      p.start().then(
        () => this.o.report?.({ event: 'restarted', name: p.name, pid: p.pid, downMs: Date.now() - diedAt }),
        // a start that fails ends in another exit, which schedules the next try
        (err: unknown) => this.o.report?.({ event: 'restart failed', name: p.name, error: (err as Error).message }),
      );
    }, delay);
    this.timers.add(t);
  }

  /** Stops restarting (call before stopping the processes). */
  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
