/**
 * What the admin API (and so the CLI) can do, run on whichever node receives the request. Reads
 * come from this node's ClusterView and the shared root; changes go through etcd (drain flags),
 * the controller (move, step-down) or the node concerned (queue flush), never around them.
 * Failures are ApiError with an HTTP status and a stable code.
 */
import type { Etcd3 } from 'etcd3';
import type { Keys } from '../../src/cluster/keys.ts';
import type { ClusterView } from '../../src/cluster/view.ts';
import type { LockClient } from '../../src/cluster/lock-client.ts';
import type { RpcClient } from '../../src/cluster/rpc/client.ts';
import { RpcError } from '../../src/cluster/rpc/methods.ts';
import type { EventLog } from '../../src/cluster/events.ts';
import { parseAccount, AccountNameError } from '../../src/util/account.ts';
import { clusterStatus, type ClusterStatus } from './cluster-status.ts';
import { listQueues, showQueue } from './queue-admin.ts';
import { peerEndpoint } from '../../src/cluster/trust/endpoints.ts';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface OpsDeps {
  etcd: Etcd3;
  keys: Keys;
  view: ClusterView;
  locks: LockClient;
  rpc: RpcClient;
  events: EventLog;
  storageRoot: string;
  rpcTimeoutMs: number;
}

/** Maps RPC failures to HTTP: non-retryable → 409 with the remote code, retryable → 503. */
function fromRpc(err: unknown): never {
  if (err instanceof RpcError) throw new ApiError(err.retryable ? 503 : 409, err.code, err.message);
  throw err;
}

export function accountName(input: string): string {
  try {
    return parseAccount(input).address;
  } catch (err) {
    if (err instanceof AccountNameError) throw new ApiError(400, 'BAD_ACCOUNT', err.message);
    throw err;
  }
}

export class ClusterOps {
  constructor(private readonly d: OpsDeps) {}

  status(): Promise<ClusterStatus> { return clusterStatus(this.d.etcd, this.d.keys, this.d.view); }

  placement(): Array<{ account: string; holder: string; token: string; since: number }> {
    return [...this.d.view.grants.values()]
      .map((g) => ({ account: g.account, holder: g.holder, token: g.token, since: g.value.since }))
      .sort((a, b) => a.account.localeCompare(b.account));
  }

  where(input: string): { account: string; holder: string | null; token?: string; since?: number } {
    const account = accountName(input);
    const g = this.d.view.grant(account);
    return g ? { account, holder: g.holder, token: g.token, since: g.value.since } : { account, holder: null };
  }

  async setDrain(node: string, drain: boolean): Promise<{ node: string; draining: boolean; accounts: number }> {
    const { etcd, keys } = this.d;
    // undrain works for a node that is down too, so it serves again when it comes back
    if (drain && !this.d.view.nodes.has(node)) throw new ApiError(404, 'NO_SUCH_NODE', `no live node named ${node}`);
    const was = this.d.view.drains.has(node);
    if (drain) await etcd.put(keys.drain(node)).value(JSON.stringify({ since: Date.now() })).exec();
    else await etcd.delete().key(keys.drain(node)).exec();
    if (was !== drain) {
      await this.d.events
        .append(drain ? { type: 'node-draining', node, message: `${node} draining: its accounts move to other nodes` } : { type: 'node-undrained', node, message: `${node} may hold accounts again` })
        .catch(() => undefined);
    }
    return { node, draining: drain, accounts: this.accountsOn(node) };
  }

  accountsOn(node: string): number {
    let n = 0;
    for (const g of this.d.view.grants.values()) if (g.holder === node) n++;
    return n;
  }

  /** Forgets a node whose lease is gone (after a scale-down), so status stops listing it. */
  async forget(node: string): Promise<void> {
    if (this.d.view.nodes.has(node)) throw new ApiError(409, 'NODE_LIVE', `${node} is running; stop it first`);
    const r = await this.d.etcd.delete().key(this.d.keys.member(node)).exec();
    if (Number(r.deleted) === 0) throw new ApiError(404, 'NO_SUCH_NODE', `no node named ${node}`);
  }

  async move(input: string, to: string | undefined): Promise<{ account: string; holder: string; token: string; from?: string }> {
    const account = accountName(input);
    return this.d.locks.callController('move', { account, to: to ?? '' }, 30_000).catch(fromRpc);
  }

  async stepDown(): Promise<{ from: string; to: string | null; ms: number }> {
    const ctl = this.d.locks.controllerEndpoint();
    const name = this.d.view.controller()?.node;
    if (!ctl || !name) throw new ApiError(503, 'NO_CONTROLLER', 'no controller is elected right now');
    const started = Date.now();
    const r = await this.d.rpc.call(ctl, 'stepDown', {}, 5000).catch(fromRpc);
    if (!r.resigned) throw new ApiError(409, 'NOT_LEADER', `${r.node} was not leading`);
    await this.d.view.waitFor(() => (this.d.view.controller()?.node ?? r.node) !== r.node, 30_000).catch(() => undefined);
    const next = this.d.view.controller()?.node;
    return { from: r.node, to: next && next !== r.node ? next : null, ms: Date.now() - started };
  }

  queues(): ReturnType<typeof listQueues> { return listQueues(this.d.storageRoot); }

  async queue(node: string): ReturnType<typeof showQueue> {
    try {
      return await showQueue(this.d.storageRoot, node);
    } catch (err) {
      if (err instanceof RangeError) throw new ApiError(400, 'BAD_NODE', err.message);
      throw err;
    }
  }

  /** Asks the node that works `spoolOf`'s spool (itself, or the taker of a dead node's) to retry now. */
  async flush(spoolOf: string): Promise<{ node: string; queued: number }> {
    const worker = this.d.view.nodes.has(spoolOf) ? spoolOf : this.d.view.queues.get(spoolOf)?.owner;
    const to = worker ? peerEndpoint(this.d.view, worker, 'rpc') : undefined;
    if (!worker || !to) throw new ApiError(404, 'NO_WORKER', `no live node works the queue of ${spoolOf}`);
    const r = await this.d.rpc.call(to, 'flushQueue', {}, this.d.rpcTimeoutMs).catch(fromRpc);
    return { node: worker, queued: r.queued };
  }
}
