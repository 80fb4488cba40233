/**
 * LockClient: how a worker finds or obtains the holder of an account (design §4.1–4.2).
 *
 * `where(account)` answers from the routing cache, no round trip. `open(account)` asks the
 * controller when the cache has no grant, retrying with backoff across controller failover until
 * `openTimeoutMs`: callers see a delay, not an error, while a new controller is elected.
 * Fails with RpcError (non-retryable remote errors, or TIMEOUT after the deadline).
 */
import type { Logger } from '../log/logger.ts';
import { backoffMs, sleep, systemClock, type Clock } from '../util/clock.ts';
import type { RpcClient } from './rpc/client.ts';
import { RpcError, type GrantReply, type MethodName, type RequestOf, type ResponseOf } from './rpc/methods.ts';
import type { ClusterView, Grant } from './view.ts';
import { peerEndpoint, type PeerEndpoint } from './trust/endpoints.ts';

export interface LockClientOptions {
  view: ClusterView;
  rpc: RpcClient;
  nodeName: string;
  log: Logger;
  /** Decides when the retry deadline has passed; the system clock by default. */
  clock?: Clock;
  openTimeoutMs: number;
  rpcTimeoutMs: number;
}

export class LockClient {
  constructor(private readonly o: LockClientOptions) {}

  where(account: string): Grant | undefined {
    return this.o.view.grant(account);
  }

  async open(account: string, signal?: AbortSignal): Promise<GrantReply> {
    const cached = this.where(account);
    if (cached && this.o.view.nodes.has(cached.holder)) return { account, holder: cached.holder, token: cached.token };
    return this.callController('open', { account, requester: this.o.nodeName }, this.o.openTimeoutMs, signal).catch((err: unknown) => {
      if (err instanceof RpcError && err.code === 'TIMEOUT') throw new RpcError('TIMEOUT', `could not open ${account}: ${err.message}`, true);
      throw err;
    });
  }

  /**
   * Calls a controller method, following the controller across failover and retrying retryable
   * errors with backoff until `timeoutMs`. Non-retryable remote errors are thrown at once.
   */
  async callController<M extends MethodName>(method: M, req: RequestOf<M>, timeoutMs: number, signal?: AbortSignal): Promise<ResponseOf<M>> {
    const clock = this.o.clock ?? systemClock;
    const deadline = clock.now() + timeoutMs;
    let last: unknown;
    for (let attempt = 0; clock.now() < deadline; attempt++) {
      signal?.throwIfAborted();
      const ctl = this.controllerEndpoint();
      if (!ctl) {
        await this.o.view.waitFor(() => this.controllerEndpoint() !== undefined, Math.max(1, deadline - clock.now()), signal).catch(() => undefined);
        continue;
      }
      try {
        // open is one transaction; other controller methods may wait on a holder (move) — give them longer
        const perAttempt = method === 'open' ? this.o.rpcTimeoutMs : this.o.rpcTimeoutMs * 5;
        return await this.o.rpc.call(ctl, method, req, Math.min(perAttempt, Math.max(1, deadline - clock.now())));
      } catch (err) {
        last = err;
        if (err instanceof RpcError && !err.retryable) throw err;
        this.o.log.debug({ err, method, attempt }, 'controller call failed, retrying');
        await sleep(Math.min(backoffMs(attempt, 20, 500), Math.max(0, deadline - clock.now())), signal);
      }
    }
    throw new RpcError('TIMEOUT', (last as Error | undefined)?.message ?? 'no controller', true);
  }

  async release(account: string, token: string): Promise<boolean> {
    const ctl = this.controllerEndpoint();
    if (!ctl) return false;
    const r = await this.o.rpc.call(ctl, 'release', { account, token }, this.o.rpcTimeoutMs);
    return r.released;
  }

  controllerEndpoint(): PeerEndpoint | undefined {
    const c = this.o.view.controller();
    return c && peerEndpoint(this.o.view, c.node, 'rpc');
  }
}
