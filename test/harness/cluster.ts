/**
 * Test harness for cluster tests: a real etcd process and real node processes (LocalCluster),
 * in a fresh temp directory, with short leases so that failures play out in seconds.
 * Every process it starts is stopped by `stop()`; call it in afterAll.
 */
import { NodeTls } from '../../src/cluster/pki/node-tls.ts';
import { ensureNodePki, nodePkiFiles } from '../../src/cluster/pki/node-pki.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import { LocalCluster, type LocalClusterOptions } from '../../src/devcluster/local-cluster.ts';
import { createEtcd } from '../../src/cluster/etcd.ts';
import { Keys } from '../../src/cluster/keys.ts';
import { RpcClient } from '../../src/cluster/rpc/client.ts';
import type { MethodName, RequestOf, ResponseOf } from '../../src/cluster/rpc/methods.ts';
import { openValueSchema, parseJson, type OpenValue } from '../../src/cluster/values.ts';

/** Lease settings for tests: fence after 2 s without a keep-alive, lease gone after 3 s. */
export const FAST_LEASES: Record<string, string> = {
  MAILCLUSTER_LEASE_TTL_SECONDS: '3',
  MAILCLUSTER_LEASE_KEEP_ALIVE_INTERVAL_MS: '500',
  MAILCLUSTER_LEASE_SAFETY_MARGIN_MS: '1000',
  MAILCLUSTER_LOCKS_RPC_TIMEOUT_MS: '1000',
  MAILCLUSTER_LOCKS_OPEN_TIMEOUT_MS: '20000',
  MAILCLUSTER_LOG_LEVEL: 'debug',
};
export const LEASE_TTL_MS = 3000;
/** The name on the harness's own certificate of the cluster CA (its RPCs are issued by it). */
export const HARNESS_NODE = 'test-harness';

export interface OpenKey { account: string; holder: string; token: bigint; value: OpenValue }

export class TestCluster {
  readonly keys: Keys;
  readonly etcd: Etcd3;
  readonly rpcClient: RpcClient;
  private readonly leases = new Map<string, string>();

  constructor(readonly local: LocalCluster, private readonly dir: string) {
    this.keys = new Keys(local.cluster);
    this.etcd = createEtcd(local.etcdClientOptions());
    this.rpcClient = new RpcClient(local.secret, HARNESS_NODE, NodeTls.load(HARNESS_NODE, nodePkiFiles(local.nodePkiDir, HARNESS_NODE)));
  }

  get nodes() { return this.local.nodes; }
  node(name: string) { return this.local.node(name); }

  /** A node's current registration (the lease id of its `nodes/` key); empty when not registered. */
  async registration(node: string): Promise<string> {
    const r = await this.etcd.get(this.keys.node(node)).exec();
    const lease = r.kvs[0]?.lease;
    if (lease) this.leases.set(node, lease);
    return lease ?? '';
  }

  /** Where a node's RPC port is and who it is now: what a credential for it must name. */
  async rpcEndpoint(node: string): Promise<{ host: string; port: number; node: string; lease: string }> {
    return { host: '127.0.0.1', port: Number(this.local.node(node).env.MAILCLUSTER_PORTS_RPC), node, lease: await this.registration(node) };
  }

  /** Calls an RPC method on a node, with a credential addressed to it (signed with the cluster secret). */
  async rpc<M extends MethodName>(node: string, method: M, req: RequestOf<M>, timeoutMs = 25_000): Promise<ResponseOf<M>> {
    // while etcd is down (outage tests) the node keeps its registration: use the last one seen;
    const fallback = { host: '127.0.0.1', port: Number(this.local.node(node).env.MAILCLUSTER_PORTS_RPC), node, lease: this.leases.get(node) ?? '' };
    // a node whose key is gone (paused past its lease) still holds its last registration until it wakes
    // (never a credential for no registration at all: with none seen yet, wait for etcd's answer)
    const lookup = this.rpcEndpoint(node);
    const quick = await Promise.race([lookup, new Promise<never>((_, reject) => setTimeout(reject, 1000))]).then((e) => (e.lease ? e : fallback), () => fallback);
    const to = quick.lease ? quick : await lookup;
    return this.rpcClient.call(to, method, req, timeoutMs).catch((err: unknown) => {
      if (err instanceof Error) err.message = `${node} ${method}: ${err.message}`;
      throw err;
    });
  }

  /** The elected controller according to etcd (lowest candidacy create revision). */
  async controller(): Promise<string | undefined> {
    const r = await this.etcd.getAll().prefix(this.keys.electionPrefix).sort('Create', 'Ascend').limit(1).exec();
    const kv = r.kvs[0];
    return kv ? (JSON.parse(kv.value.toString()) as { node: string }).node : undefined;
  }

  /** Waits until a controller is elected and says it leads (status RPC). */
  async electedController(timeoutMs = 20_000, other?: string): Promise<string> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const c = await this.controller().catch(() => undefined);
      if (c && c !== other && (await this.rpc(c, 'status', {}, 1000).then((s) => s.leading, () => false))) return c;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('no controller elected');
  }

  /** Every open/ key in etcd. */
  async openKeys(): Promise<Map<string, OpenKey>> {
    const r = await this.etcd.getAll().prefix(this.keys.openPrefix).exec();
    const out = new Map<string, OpenKey>();
    for (const kv of r.kvs) {
      const account = kv.key.toString().slice(this.keys.openPrefix.length);
      const value = parseJson(openValueSchema, kv.value)!;
      out.set(account, { account, holder: value.holder, token: BigInt(kv.create_revision), value });
    }
    return out;
  }

  async stop(): Promise<void> {
    this.rpcClient.close();
    this.etcd.close();
    await this.local.stop();
    if (!process.env.KEEP_TEST_DATA) rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface TestClusterOptions extends Pick<LocalClusterOptions, 'etcdMembers' | 'restart' | 'onSupervisorEvent' | 'cgroupRoot'> {
  nodes?: number;
  env?: Record<string, string>;
  roles?: string[];
}

export async function startTestCluster(opts: TestClusterOptions = {}): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'mailcluster-test-'));
  const local = new LocalCluster({
    nodes: opts.nodes ?? 3,
    dataDir: dir,
    env: { ...FAST_LEASES, ...opts.env },
    roles: opts.roles,
    ...(opts.etcdMembers ? { etcdMembers: opts.etcdMembers } : {}),
    ...(opts.restart ? { restart: opts.restart } : {}),
    ...(opts.onSupervisorEvent ? { onSupervisorEvent: opts.onSupervisorEvent } : {}),
    ...(opts.cgroupRoot ? { cgroupRoot: opts.cgroupRoot } : {}),
  });
  try {
    await local.start();
    await ensureNodePki(local.nodePkiDir, local.cluster, [HARNESS_NODE]);
  } catch (err) {
    await local.stop();
    throw err;
  }
  return new TestCluster(local, dir);
}

export function accounts(n: number, tag = 'user'): string[] {
  return Array.from({ length: n }, (_, i) => `${tag}${i}@example.test`);
}
