/**
 * The etcd client as this project configures it: a deadline on every unary call, short circuit
 * breaking and fast watch reconnects. etcd3's defaults (a 5 s open breaker, watch backoff up to
 * 30 s) would turn a 2 s etcd restart into half a minute of blindness.
 */
import { Etcd3 } from 'etcd3';
import { ConsecutiveBreaker, ExponentialBackoff, handleWhen, retry, circuitBreaker, type IBackoff } from 'cockatiel';
import { isRecoverableError } from 'etcd3';

export interface EtcdOptions {
  endpoints: readonly string[];
  requestTimeoutMs: number;
}

export function createEtcd(opts: EtcdOptions): Etcd3 {
  return new Etcd3({
    hosts: [...opts.endpoints],
    dialTimeout: opts.requestTimeoutMs,
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + opts.requestTimeoutMs }),
    faultHandling: {
      host: () =>
        circuitBreaker(handleWhen(isRecoverableError), { halfOpenAfter: 300, breaker: new ConsecutiveBreaker(5) }),
      global: retry(handleWhen(isRecoverableError), { maxAttempts: 2 }),
      // etcd3 calls .next() on this factory itself; its typings predate cockatiel 3.
      watchBackoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 1000 }) as unknown as IBackoff<unknown>,
    },
  });
}

/** etcd lease ids are int64: kept as decimal strings everywhere in this project. */
export type LeaseId = string;
