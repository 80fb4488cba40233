/**
 * LeaderScope: the lifetime of everything that runs only while this node leads (the reconcilers).
 *
 * Contract:
 * - On each won term (`elected`) every registered runnable is started once with that term and an
 *   AbortSignal of its own term. A runnable writes only through `guard(etcd, term)` with the term
 *   it was given, never `candidate.leadership` read later, so a runnable of an old term that is
 *   still finishing cannot write: etcd refuses the compare.
 * - When the term ends (`deposed`: key gone, fenced, resigned, stopped) the signal aborts, at once
 *   and synchronously with the event.
 * - A new term starts its runnables only after every runnable of the previous term has returned:
 *   two terms never overlap on one node. A term that ended while it waited is skipped.
 * - A runnable that throws is logged; it is not restarted within its term.
 */
import type { Logger } from '../src/log/logger.ts';
import { sleep } from '../src/util/clock.ts';
import type { Candidate, Leadership } from './election.ts';

/** Runs for one term until `signal` aborts (or it has nothing left to do). */
export type LeaderRunnable = (term: Leadership, signal: AbortSignal) => Promise<void>;

/** What the scope needs of the election: its term events and the current term. */
export type TermSource = Pick<Candidate, 'on' | 'off' | 'leadership'>;

export class LeaderScope {
  private readonly runnables: Array<{ name: string; run: LeaderRunnable }> = [];
  private term: { leadership: Leadership; abort: AbortController } | undefined;
  /** Settles when every runnable of the last started term has returned. */
  private running: Promise<void> = Promise.resolve();
  private active = false;

  private readonly onElected = (l: Leadership): void => this.begin(l);
  private readonly onDeposed = ({ leadership }: { leadership: Leadership }): void => this.end(leadership);

  constructor(private readonly source: TermSource, private readonly log: Logger) {}

  /** Adds a runnable; it starts with the next term (register before start()). */
  register(name: string, run: LeaderRunnable): void {
    this.runnables.push({ name, run });
  }

  /** The term whose runnables are started now (undefined between terms). */
  get current(): Leadership | undefined { return this.term?.leadership; }

  /** Follows the election; starts a term at once if this node already leads. */
  start(): void {
    this.active = true;
    this.source.on('elected', this.onElected);
    this.source.on('deposed', this.onDeposed);
    const l = this.source.leadership;
    if (l) this.begin(l);
  }

  /** Aborts the current term and resolves once all its runnables have returned. */
  async stop(): Promise<void> {
    this.active = false;
    this.source.off('elected', this.onElected);
    this.source.off('deposed', this.onDeposed);
    if (this.term) this.end(this.term.leadership);
    await this.running;
  }

  private begin(l: Leadership): void {
    const previous = this.running;
    this.running = previous.then(() => this.runTerm(l));
  }

  private end(l: Leadership): void {
    if (this.term?.leadership.leaderRev !== l.leaderRev) return;
    this.term.abort.abort(new Error(`term ${l.leaderRev} ended`));
    this.term = undefined;
  }

  private async runTerm(l: Leadership): Promise<void> {
    // The previous term has finished; start only if this one is still the current term.
    const now = this.source.leadership;
    if (!this.active || now?.leaderRev !== l.leaderRev || now.key !== l.key) return;
    const abort = new AbortController();
    this.term = { leadership: l, abort };
    this.log.debug({ leaderRev: l.leaderRev, runnables: this.runnables.length }, 'leader scope started');
    await Promise.all(
      this.runnables.map(async ({ name, run }) => {
        try {
          await run(l, abort.signal);
        } catch (err) {
          if (!abort.signal.aborted) this.log.warn({ err, runnable: name, leaderRev: l.leaderRev }, 'leader runnable failed');
        }
      }),
    );
    if (this.term?.abort === abort) this.term = undefined; // every runnable returned on its own
    this.log.debug({ leaderRev: l.leaderRev }, 'leader scope finished');
  }
}

/**
 * Wakes a reconcile loop early. A kick while a pass runs is kept, so the loop passes again right
 * after it; several kicks before the loop waits again make one pass.
 */
export class Wake {
  private pending = false;
  private resolve: (() => void) | undefined;

  kick(): void {
    this.pending = true;
    this.resolve?.();
  }

  /** Resolves on a kick (at once if one is pending), after `ms`, or when `signal` aborts. */
  async wait(ms: number, signal: AbortSignal): Promise<void> {
    if (this.pending || signal.aborted) {
      this.pending = false;
      return;
    }
    const kicked = new Promise<void>((r) => { this.resolve = r; });
    const stop = new AbortController();
    const onAbort = (): void => stop.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await Promise.race([kicked, sleep(ms, stop.signal).catch(() => undefined)]);
    } finally {
      signal.removeEventListener('abort', onAbort);
      stop.abort();
      this.resolve = undefined;
      this.pending = false;
    }
  }
}

export interface ReconcileLoop {
  signal: AbortSignal;
  /** Pause between passes (ms), unless `wake` is kicked. */
  intervalMs: number;
  /** One pass; the loop logs what it throws and goes on. */
  pass: () => Promise<void>;
  wake?: Wake;
  log: Logger;
  what: string;
}

/**
 * The one leader loop: passes at once, then after every `intervalMs` or kick, until `signal`
 * aborts. Never overlaps passes; resolves after the pass in flight when it aborts.
 */
export async function reconcileUntilAborted(o: ReconcileLoop): Promise<void> {
  const wake = o.wake ?? new Wake();
  while (!o.signal.aborted) {
    try {
      await o.pass();
    } catch (err) {
      if (!o.signal.aborted) o.log.warn({ err }, `${o.what} failed`);
    }
    await wake.wait(o.intervalMs, o.signal);
  }
}
