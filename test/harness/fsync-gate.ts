/**
 * Holds the fsyncs of real node processes (src/util/fsync-file-gate.ts) so that a test can prove a
 * reply waited for them: `step(action)` holds every fsync while the action runs and releases them
 * one at a time, recording which paths were held and when each was released.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FSYNC_GATE_VARIABLE } from '../../src/util/fsync-file-gate.ts';

export interface Released { path: string; at: number }
export interface Stepped<T> {
  /** The action's outcome (a rejection is kept, not thrown). */
  outcome: PromiseSettledResult<T>;
  settledAt: number;
  /** Every fsync that was held, in release order. */
  released: Released[];
}

export class FsyncGateDir {
  readonly dir = mkdtempSync(join(tmpdir(), 'mailcluster-fsync-gate-'));
  private readonly seen = new Set<string>();

  constructor() {
    for (const sub of ['held', 'release']) mkdirSync(join(this.dir, sub), { recursive: true });
  }

  /** The environment that makes node processes use this gate. */
  get env(): Record<string, string> {
    return { [FSYNC_GATE_VARIABLE]: this.dir };
  }

  /**
   * Runs `action` with every fsync held; each held fsync is released once it has been held for
   * `holdMs` (time for a reply that does not wait for it to arrive first, which leaves it
   * unreleased). Resolves when the action settled; fsyncs still waiting then run freely.
   */
  async step<T>(action: () => Promise<T>, opts: { holdMs?: number; timeoutMs?: number } = {}): Promise<Stepped<T>> {
    const holdMs = opts.holdMs ?? 30;
    const hold = join(this.dir, 'hold');
    writeFileSync(hold, '');
    const released: Released[] = [];
    const heldSince = new Map<string, number>();
    let settledAt = 0;
    const done = action().then(
      (value) => ({ status: 'fulfilled', value }) as const,
      (reason: unknown) => ({ status: 'rejected', reason }) as const,
    ).then((r) => {
      settledAt = Date.now();
      return r;
    });
    const until = Date.now() + (opts.timeoutMs ?? 30_000);
    try {
      // settledAt is set only while this loop awaits: every release below happens before it
      while (settledAt === 0) {
        if (Date.now() > until) throw new Error('action did not settle with fsyncs being released');
        for (const id of readdirSync(join(this.dir, 'held'))) {
          if (this.seen.has(id)) continue;
          const since = heldSince.get(id) ?? heldSince.set(id, Date.now()).get(id)!;
          if (Date.now() - since < holdMs) continue;
          this.seen.add(id);
          released.push({ path: readFileSync(join(this.dir, 'held', id), 'utf8'), at: Date.now() });
          writeFileSync(join(this.dir, 'release', id), '');
        }
        await Promise.race([done, new Promise((r) => setTimeout(r, 5))]);
      }
    } finally {
      rmSync(hold, { force: true });
      for (const id of heldSince.keys()) this.seen.add(id);
    }
    return { outcome: await done, settledAt, released };
  }

  /** Paths whose fsync was held and released before the action settled. */
  static before<T>(s: Stepped<T>): string[] {
    return s.released.filter((r) => r.at <= s.settledAt).map((r) => r.path);
  }

  remove(): void {
    if (existsSync(this.dir)) rmSync(this.dir, { recursive: true, force: true });
  }
}
