/**
 * Runs async tasks one at a time, in submission order. A failing task does not stop the queue; its
 * error goes to its own caller only. The queue keeps no task's result: only its callers do (a tail
 * that resolved with the last result would pin, say, a 100,000-message listing in memory).
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Resolves when everything queued so far has settled. */
  async idle(): Promise<void> {
    await this.tail;
  }
}
