/**
 * Block coverage of our own code (src/, worker/) from V8's precise coverage, through an inspector
 * session on this process: Profiler.startPreciseCoverage with callCount and detailed (block
 * granularity). Each take() returns and resets the counts, so it tells which blocks the last input
 * (or batch of inputs) ran. A block is (script, start offset, end offset) of a range V8 reports
 * with a count above zero. A take costs milliseconds (V8 reports every function of every script),
 * so the runner takes one per batch and only re-runs a batch input by input when it found blocks.
 */
import { Session } from 'node:inspector';

interface Range { startOffset: number; endOffset: number; count: number }
interface ScriptCoverage { url: string; functions: Array<{ ranges: Range[] }> }

const OURS = /\/(src|worker)\/[^?]*\.ts$/;

export class CoverageMap {
  private readonly session = new Session();
  private readonly seen = new Set<string>();

  private post<T>(method: string, params?: object): Promise<T> {
    return new Promise((resolve, reject) => this.session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res as T))));
  }

  async start(): Promise<void> {
    this.session.connect();
    await this.post('Profiler.enable');
    await this.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  }

  /** Blocks covered so far. */
  get blocks(): number {
    return this.seen.size;
  }

  /** Takes (and resets) the counts since the last take: the blocks that ran and were not seen before. */
  async take(): Promise<Set<string>> {
    const { result } = await this.post<{ result: ScriptCoverage[] }>('Profiler.takePreciseCoverage');
    const fresh = new Set<string>();
    for (const script of result) {
      if (!OURS.test(script.url)) continue;
      for (const fn of script.functions) {
        for (const r of fn.ranges) {
          if (r.count === 0) continue;
          const key = `${script.url}:${r.startOffset}:${r.endOffset}`;
          if (!this.seen.has(key)) fresh.add(key);
        }
      }
    }
    return fresh;
  }

  /** Marks blocks as seen. */
  commit(blocks: Iterable<string>): void {
    for (const b of blocks) this.seen.add(b);
  }

  stop(): void {
    this.session.disconnect();
  }
}
