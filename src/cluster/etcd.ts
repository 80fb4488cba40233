/**
 * The etcd client as this project configures it: a deadline on every unary call, short circuit
 * breaking and fast watch reconnects. etcd3's defaults (a 5 s open breaker, watch backoff up to
 * 30 s) would turn a 2 s etcd restart into half a minute of blindness.
 *
 * TLS: given `caFile` (and `certFile` + `keyFile` for etcd's `--client-cert-auth`), every
 * connection is TLS verified against that CA and presents the client certificate; the files are
 * read once, here, and a missing or unreadable file throws at once rather than at the first call.
 */
import { readFileSync } from 'node:fs';
import { Etcd3, type IOptions } from 'etcd3';
import { ConsecutiveBreaker, ExponentialBackoff, handleWhen, retry, circuitBreaker, type IBackoff } from 'cockatiel';
import { isRecoverableError } from 'etcd3';
import { systemClock } from '../util/clock.ts';

export interface EtcdOptions {
  endpoints: readonly string[];
  requestTimeoutMs: number;
  /** PEM files; empty or absent = plain gRPC (or the system CAs for https:// endpoints). */
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/** etcd3's `credentials` for these files, or undefined when no CA file is given. */
export function etcdCredentials(opts: Pick<EtcdOptions, 'caFile' | 'certFile' | 'keyFile'>): IOptions['credentials'] {
  if (!opts.caFile) return undefined;
  const read = (what: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`etcd TLS ${what} ${file}: ${(err as Error).message}`);
    }
  };
  return {
    rootCertificate: read('CA file', opts.caFile),
    ...(opts.certFile ? { certChain: read('certificate file', opts.certFile) } : {}),
    ...(opts.keyFile ? { privateKey: read('key file', opts.keyFile) } : {}),
  };
}

export function createEtcd(opts: EtcdOptions): Etcd3 {
  const credentials = etcdCredentials(opts);
  return new Etcd3({
    hosts: [...opts.endpoints],
    ...(credentials ? { credentials } : {}),
    dialTimeout: opts.requestTimeoutMs,
    // gRPC compares a deadline with the real time: always the system clock, never a test's.
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: systemClock.now() + opts.requestTimeoutMs }),
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
