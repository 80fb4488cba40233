/**
 * A cap on password verifications running at once, shared fairly between client addresses.
 *
 * scrypt runs on libuv's thread pool (4 threads by default), which also serves every file system
 * call of the node: unbounded parallel verifications would make good logins and disk I/O wait
 * behind an attacker's. At most `concurrency` verifications run; waiting ones are queued per
 * address and started round-robin over addresses, so one address with a thousand attempts
 * queued delays another address's login by at most one verification per slot.
 *
 * Contract: `run(address, work)` resolves or rejects with `work()`'s outcome once it ran.
 */
export class VerifyGate {
  private running = 0;
  /** address → its waiting starts; Map order is the round-robin order. */
  private readonly waiting = new Map<string, Array<() => void>>();

  constructor(private readonly concurrency: number) {}

  async run<T>(address: string, work: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) await new Promise<void>((start) => this.enqueue(address, start));
    else this.running++;
    try {
      return await work();
    } finally {
      this.next();
    }
  }

  /** Verifications waiting for a slot (for tests and metrics). */
  get queued(): number {
    let n = 0;
    for (const q of this.waiting.values()) n += q.length;
    return n;
  }

  private enqueue(address: string, start: () => void): void {
    const q = this.waiting.get(address);
    if (q) q.push(start);
    else this.waiting.set(address, [start]);
  }

  /** A slot was freed: hand it to the next address in turn (the slot stays counted), or free it. */
  private next(): void {
    const first = this.waiting.entries().next();
    if (first.done) {
      this.running--;
      return;
    }
    const [address, q] = first.value;
    const start = q.shift()!;
    this.waiting.delete(address);
    if (q.length) this.waiting.set(address, q); // to the back of the line
    start();
  }
}
