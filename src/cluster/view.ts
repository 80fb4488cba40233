/**
 * ClusterView: this node's cached picture of the cluster (nodes, controller candidates, open
 * grants, drain flags), kept current by one etcd watch on the cluster prefix. It is the routing
 * cache of design §4.1: `grant(account)` answers with no round trip.
 *
 * Contract: the view may lag etcd by the watch delay; every decision that must be exact is made
 * by a guarded etcd transaction, never by the view alone. After a watch failure (compaction, etcd
 * restart) the view reloads everything and resumes. `changed` fires after every applied batch.
 */
import { EventEmitter } from 'node:events';
import type { Etcd3, IKeyValue, Watcher } from 'etcd3';
import type { Logger } from '../log/logger.ts';
import { backoffMs, sleep } from '../util/clock.ts';
import type { Keys } from './keys.ts';
import { candidateValueSchema, nodeValueSchema, openValueSchema, parseJson, queueValueSchema, type NodeValue, type OpenValue } from './values.ts';

export interface NodeEntry { value: NodeValue; createRevision: string; lease: string }
export interface Grant { account: string; holder: string; token: string; lease: string; value: OpenValue }
export interface Candidate { key: string; node: string; createRevision: string; lease: string }
export interface QueueAssignment { spoolOf: string; owner: string; createRevision: string; lease: string }

export interface ViewEvents {
  changed: [];
  granted: [Grant];
  released: [Grant];
  node: [{ name: string; entry: NodeEntry | undefined }];
  controller: [{ node: string | undefined }];
}

export class ClusterView extends EventEmitter<ViewEvents> {
  readonly nodes = new Map<string, NodeEntry>();
  readonly grants = new Map<string, Grant>();
  readonly candidates = new Map<string, Candidate>();
  readonly drains = new Set<string>();
  /** Spools of dead nodes and the live node processing each. */
  readonly queues = new Map<string, QueueAssignment>();
  private watcher: Watcher | undefined;
  private stopped = false;
  /** The elected candidacy's key at the last batch: `controller` fires when it changes. */
  private lastController: string | undefined;
  private loadedOnce = false;
  private revisionValue = '0';

  constructor(private readonly etcd: Etcd3, private readonly keys: Keys, private readonly log: Logger) {
    super();
    this.setMaxListeners(100);
  }

  /** Loads the prefix and starts watching. Resolves after the first load; retries until then. */
  async start(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        await this.resync();
        return;
      } catch (err) {
        this.log.warn({ err, attempt }, 'cluster view load failed');
        await sleep(backoffMs(attempt, 100, 2000));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.watcher?.cancel().catch(() => undefined);
  }

  get loaded(): boolean { return this.loadedOnce; }

  /** The etcd revision the view has applied every change of this prefix up to: its load's, or its latest watched event's ('0' before the first load). */
  get revision(): string { return this.revisionValue; }

  /** The holder of `account` as cached, with its fencing token; undefined when not open. */
  grant(account: string): Grant | undefined { return this.grants.get(account); }

  /** The elected controller: the candidate with the lowest create revision (etcd election). */
  controller(): Candidate | undefined {
    let best: Candidate | undefined;
    for (const c of this.candidates.values()) {
      if (!best || BigInt(c.createRevision) < BigInt(best.createRevision)) best = c;
    }
    return best;
  }

  /** Resolves when `predicate` holds on the view, or rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (err?: unknown): void => {
        clearTimeout(timer);
        this.off('changed', check);
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err); else resolve();
      };
      const check = (): void => { if (predicate()) done(); };
      const onAbort = (): void => done(signal?.reason);
      const timer = setTimeout(() => done(new Error('timed out waiting for cluster state')), timeoutMs);
      this.on('changed', check);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private async resync(): Promise<void> {
    await this.watcher?.cancel().catch(() => undefined);
    this.watcher = undefined;
    const res = await this.etcd.getAll().prefix(this.keys.prefix).exec();
    this.nodes.clear();
    this.candidates.clear();
    this.drains.clear();
    this.queues.clear();
    const before = new Map(this.grants);
    this.grants.clear();
    for (const kv of res.kvs) this.apply('put', kv, false);
    this.revisionValue = res.header.revision;
    for (const [account, g] of before) if (!this.grants.has(account)) this.emit('released', g);
    for (const [account, g] of this.grants) {
      const old = before.get(account);
      if (!old || old.token !== g.token) this.emit('granted', g);
    }
    this.loadedOnce = true;
    this.afterBatch();
    const watcher = await this.etcd
      .watch()
      .prefix(this.keys.prefix)
      .startRevision(String(BigInt(res.header.revision) + 1n))
      .create();
    if (this.stopped) {
      await watcher.cancel();
      return;
    }
    this.watcher = watcher;
    watcher.on('data', (r) => {
      for (const ev of r.events) {
        this.apply(ev.type === 'Delete' ? 'delete' : 'put', ev.kv, true);
        // an event's mod revision (a delete's is the delete's): every change up to it is applied
        if (BigInt(ev.kv.mod_revision) > BigInt(this.revisionValue)) this.revisionValue = ev.kv.mod_revision;
      }
      this.afterBatch();
    });
    watcher.on('error', (err) => {
      if (this.stopped || this.watcher !== watcher) return;
      this.log.warn({ err }, 'cluster watch failed, reloading');
      void this.start();
    });
  }

  private afterBatch(): void {
    // by key, not node name: a node re-elected with a new lease is a new controller
    const ctl = this.controller();
    if (ctl?.key !== this.lastController) {
      this.lastController = ctl?.key;
      this.emit('controller', { node: ctl?.node });
    }
    this.emit('changed');
  }

  private apply(type: 'put' | 'delete', kv: IKeyValue, notify: boolean): void {
    const key = kv.key.toString();
    const parsed = this.keys.parse(key);
    if (!parsed) return;
    const { family, name } = parsed;
    if (family === 'nodes') {
      const value = type === 'put' ? parseJson(nodeValueSchema, kv.value) : undefined;
      if (value) this.nodes.set(name, { value, createRevision: kv.create_revision, lease: kv.lease });
      else this.nodes.delete(name);
      if (notify) this.emit('node', { name, entry: this.nodes.get(name) });
    } else if (family === 'election') {
      const value = type === 'put' ? parseJson(candidateValueSchema, kv.value) : undefined;
      if (value) this.candidates.set(key, { key, node: value.node, createRevision: kv.create_revision, lease: kv.lease });
      else this.candidates.delete(key);
    } else if (family === 'open') {
      const value = type === 'put' ? parseJson(openValueSchema, kv.value) : undefined;
      const old = this.grants.get(name);
      if (value) {
        const g: Grant = { account: name, holder: value.holder, token: kv.create_revision, lease: kv.lease, value };
        this.grants.set(name, g);
        if (notify && (!old || old.token !== g.token)) {
          if (old) this.emit('released', old);
          this.emit('granted', g);
        }
      } else {
        this.grants.delete(name);
        if (notify && old) this.emit('released', old);
      }
    } else if (family === 'drain') {
      if (type === 'put') this.drains.add(name); else this.drains.delete(name);
    } else if (family === 'queues') {
      const value = type === 'put' ? parseJson(queueValueSchema, kv.value) : undefined;
      if (value) this.queues.set(name, { spoolOf: name, owner: value.owner, createRevision: kv.create_revision, lease: kv.lease });
      else this.queues.delete(name);
    }
  }
}
