/**
 * A real etcd client whose lease keep-alive replies can be held, as a slow network would hold them,
 * and whose keep-alive sends are observed: what a unit test of NodeSession needs to place each send
 * and each reply at a chosen moment of a fake clock. Everything else goes to etcd unchanged.
 */
import type { Etcd3, ILeaseKeepAliveResponse } from 'etcd3';

type Listener = (...args: unknown[]) => void;

export class HeldEtcd {
  /** While true, keep-alive replies wait in `queued` until `release()`. */
  holdReplies = false;
  private queued: Array<() => void> = [];
  private streamGate: Promise<void> = Promise.resolve();
  private openStreamNow: () => void = () => undefined;
  private sent: Array<(n: number) => void> = [];
  sends = 0;
  replies = 0;

  constructor(readonly real: Etcd3) {}

  /** The Etcd3 to hand to NodeSession. */
  get etcd(): Etcd3 {
    const real = this.real;
    const leaseClient = {
      leaseGrant: (req: { TTL: number }) => real.leaseClient.leaseGrant(req),
      leaseRevoke: (req: { ID: string }) => real.leaseClient.leaseRevoke(req),
      leaseKeepAlive: async () => {
        await this.streamGate;
        return this.wrap(await real.leaseClient.leaseKeepAlive());
      },
    };
    return { put: (key: string) => real.put(key), leaseClient } as unknown as Etcd3;
  }

  /** Keep-alive streams open only after `openStreams()`: the first send waits for the test. */
  gateStreams(): void {
    this.streamGate = new Promise((r) => (this.openStreamNow = r));
  }
  openStreams(): void {
    this.openStreamNow();
  }

  /** Resolves when the n-th keep-alive (1-based) has been written. */
  whenSent(n: number): Promise<void> {
    if (this.sends >= n) return Promise.resolve();
    return new Promise((r) => this.sent.push((k) => k >= n && r()));
  }

  /** Resolves when at least n keep-alive replies are waiting. */
  async queuedReplies(n: number): Promise<void> {
    while (this.queued.length < n) await new Promise((r) => setTimeout(r, 5));
  }

  /** Delivers every held reply now, synchronously. */
  release(): void {
    const q = this.queued;
    this.queued = [];
    for (const deliver of q) deliver();
  }

  private wrap(stream: Awaited<ReturnType<Etcd3['leaseClient']['leaseKeepAlive']>>): unknown {
    const self = this;
    const wrapped = {
      on(event: string, fn: Listener) {
        if (event !== 'data') {
          stream.on(event as 'error', fn);
          return wrapped;
        }
        stream.on('data', (res: ILeaseKeepAliveResponse) => {
          const deliver = (): void => {
            self.replies++;
            fn(res);
          };
          if (self.holdReplies) self.queued.push(deliver);
          else deliver();
        });
        return wrapped;
      },
      write(req: { ID: string }) {
        const ok = stream.write(req);
        self.sends++;
        for (const f of self.sent) f(self.sends);
        return ok;
      },
      end() {
        stream.end();
      },
    };
    return wrapped;
  }
}
