/**
 * MailNode: one `mailcluster node` process — listeners, lease and registration, the routing cache,
 * the controller candidacy (unless frontend) and the lock service it serves when elected.
 *
 * start() resolves once the node is registered and its cluster view is loaded. stop() revokes the
 * lease so that its grants and candidacy vanish at once (a clean shutdown fails over immediately).
 */
import type { Etcd3 } from 'etcd3';
import type { Config } from '../src/config/schema.ts';
import type { Logger } from '../src/log/logger.ts';
import { createEtcd } from '../src/cluster/etcd.ts';
import { Keys } from '../src/cluster/keys.ts';
import { NodeSession } from '../src/cluster/session.ts';
import { ClusterView } from '../src/cluster/view.ts';
import { LockClient } from '../src/cluster/lock-client.ts';
import { RpcClient } from '../src/cluster/rpc/client.ts';
import { RpcServer } from '../src/cluster/rpc/server.ts';
import { RpcError } from '../src/cluster/rpc/methods.ts';
import { VERSION } from '../src/version.ts';
import { Candidate } from '../controller/election.ts';
import { LockService } from '../controller/lock-service.ts';
import { QueueReconciler } from '../controller/queue-reconciler.ts';
import { DrainReconciler } from '../controller/drain-reconciler.ts';
import { AccountHolds } from './holds.ts';
import { AdminServer } from './admin.ts';
import { NodeMetrics } from './metrics.ts';
import { access, mkdir, writeFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { MailServices } from './mail.ts';
import { accountDir, MaildirDelivery } from './delivery/maildir-delivery.ts';
import { assertFence, writeFence } from '../src/storage/fence.ts';
import { AccountNameError, parseAccount } from '../src/util/account.ts';

/** Normalises an account name at the RPC boundary; a bad name is a non-retryable BAD_ACCOUNT. */
function accountOrThrow(input: string): string {
  try {
    return parseAccount(input).address;
  } catch (err) {
    if (err instanceof AccountNameError) throw new RpcError('BAD_ACCOUNT', err.message, false);
    throw err;
  }
}

export class MailNode {
  readonly etcd: Etcd3;
  readonly keys: Keys;
  readonly session: NodeSession;
  readonly view: ClusterView;
  readonly rpcClient: RpcClient;
  readonly locks: LockClient;
  readonly holds: AccountHolds;
  readonly candidate: Candidate | undefined;
  readonly lockService: LockService | undefined;
  readonly mail: MailServices;
  readonly metrics: NodeMetrics;
  private storageOk = false;
  private storageTimer: NodeJS.Timeout | undefined;
  readonly queueReconciler: QueueReconciler | undefined;
  readonly drainReconciler: DrainReconciler | undefined;
  private readonly rpcServer: RpcServer;
  private readonly admin: AdminServer;
  private readonly ports: Record<string, number> = {};
  private readonly started = Date.now();

  constructor(readonly config: Readonly<Config>, readonly log: Logger) {
    const name = config.node.name;
    this.etcd = createEtcd(config.etcd);
    this.keys = new Keys(config.cluster.name);
    this.view = new ClusterView(this.etcd, this.keys, log.child({ component: 'view' }));
    this.session = new NodeSession({
      etcd: this.etcd,
      keys: this.keys,
      log: log.child({ component: 'session' }),
      ttlSeconds: config.lease.ttlSeconds,
      keepAliveIntervalMs: config.lease.keepAliveIntervalMs,
      safetyMarginMs: config.lease.safetyMarginMs,
      describe: () => ({
        name,
        address: config.node.advertiseAddress,
        ports: this.ports,
        role: config.node.role,
        version: VERSION,
        started: this.started,
        load: this.holds?.size ?? 0,
      }),
    });
    this.rpcClient = new RpcClient(config.cluster.secret);
    this.locks = new LockClient({
      view: this.view,
      rpc: this.rpcClient,
      nodeName: name,
      log: log.child({ component: 'locks' }),
      openTimeoutMs: config.locks.openTimeoutMs,
      rpcTimeoutMs: config.locks.rpcTimeoutMs,
    });
    this.holds = new AccountHolds({
      view: this.view,
      session: this.session,
      locks: this.locks,
      nodeName: name,
      log: log.child({ component: 'holds' }),
      idleReleaseMs: config.locks.idleReleaseSeconds * 1000,
      // Opening an account writes its fencing token, so an older holder's commits are refused.
      onOpen: (account, token) => writeFence(accountDir(config.storage.root, account), BigInt(token)),
    });
    if (config.node.role !== 'frontend') {
      this.candidate = new Candidate(this.etcd, this.keys, this.session, this.view, name, log.child({ component: 'election' }));
      this.lockService = new LockService({
        etcd: this.etcd,
        keys: this.keys,
        view: this.view,
        candidate: this.candidate,
        log: log.child({ component: 'locks' }),
        nodeName: name,
        maxAccountsPerNode: 0,
        onGrant: (ms) => this.metrics.grantLatency.observe(ms / 1000),
      });
    }
    this.mail = new MailServices({
      config,
      etcd: this.etcd,
      keys: this.keys,
      view: this.view,
      locks: this.locks,
      holds: this.holds,
      session: this.session,
      local: new MaildirDelivery({ root: config.storage.root, checkFence: (dir, token) => assertFence(dir, BigInt(token)) }),
      log,
      onOutcomes: (outs) => {
        for (const o of outs) this.metrics.deliveries.inc({ result: o.ok ? 'delivered' : o.permanent ? 'failed' : 'deferred' });
      },
    });
    if (this.candidate && this.lockService) {
      this.queueReconciler = new QueueReconciler({
        etcd: this.etcd,
        keys: this.keys,
        view: this.view,
        candidate: this.candidate,
        locks: this.lockService,
        root: config.storage.root,
        nodeName: name,
        log: log.child({ component: 'queue-reconciler' }),
        intervalMs: 2000,
      });
      this.drainReconciler = new DrainReconciler({
        view: this.view,
        candidate: this.candidate,
        locks: this.lockService,
        rpc: this.rpcClient,
        log: log.child({ component: 'drain' }),
        rpcTimeoutMs: config.locks.rpcTimeoutMs,
      });
    }
    this.metrics = new NodeMetrics(name, {
      leading: () => this.candidate?.leadership !== undefined,
      openAccounts: () => this.holds.size,
      queueDepth: () => this.mail.queues.depth,
      serving: () => this.session.isServing(),
    });
    this.session.on('fenced', () => this.metrics.selfFences.inc());
    let controllerLostAt: number | undefined;
    this.view.on('controller', ({ node }) => {
      if (!node) controllerLostAt ??= Date.now();
    });
    this.candidate?.on('elected', () => {
      this.metrics.failovers.inc();
      if (controllerLostAt !== undefined) this.metrics.failoverGap.observe((Date.now() - controllerLostAt) / 1000);
      controllerLostAt = undefined;
    });
    this.rpcServer = new RpcServer(config.cluster.secret, this.handlers(), log.child({ component: 'rpc' }));
    this.admin = new AdminServer(() => {
      const checks = { registered: this.session.isServing(), viewLoaded: this.view.loaded, storageWritable: this.storageOk };
      return { ready: Object.values(checks).every(Boolean), checks };
    }, this.metrics.registry);
  }

  /** Checks that the shared root is mounted and writable (for /readyz), every few seconds. */
  private async probeStorage(): Promise<void> {
    const probe = join(this.config.storage.root, `.probe-${this.config.node.name}`);
    try {
      await mkdir(this.config.storage.root, { recursive: true });
      await writeFile(probe, String(Date.now()));
      await unlink(probe);
      await access(this.config.storage.root);
      this.storageOk = true;
    } catch (err) {
      if (this.storageOk) this.log.error({ err }, 'storage not writable');
      this.storageOk = false;
    }
  }

  async start(): Promise<void> {
    await this.probeStorage();
    this.storageTimer = setInterval(() => void this.probeStorage(), 5000);
    this.storageTimer.unref();
    const { bindAddress } = this.config.node;
    this.ports.rpc = await this.rpcServer.listen(this.config.ports.rpc, bindAddress);
    this.ports.admin = await this.admin.listen(this.config.ports.admin, bindAddress);
    Object.assign(this.ports, await this.mail.listen(this.config.ports, bindAddress));
    await this.view.start();
    this.holds.start();
    await this.session.start();
    this.queueReconciler?.start();
    this.drainReconciler?.start();
    this.candidate?.start();
    await this.mail.startQueue();
    this.log.info({ address: this.config.node.advertiseAddress, ports: this.ports }, 'node started');
  }

  get boundPorts(): Readonly<Record<string, number>> { return this.ports; }

  async stop(): Promise<void> {
    clearInterval(this.storageTimer);
    await this.mail.stop();
    this.queueReconciler?.stop();
    this.drainReconciler?.stop();
    this.holds.stop();
    await this.candidate?.stop();
    await this.session.stop();
    await this.view.stop();
    await Promise.allSettled([this.rpcServer.close(), this.admin.close()]);
    this.rpcClient.close();
    this.etcd.close();
  }

  private handlers(): ConstructorParameters<typeof RpcServer>[1] {
    const service = (): LockService => {
      if (!this.lockService) throw new RpcError('NOT_LEADER', 'frontend nodes never lead', true);
      return this.lockService;
    };
    return {
      open: (r) => service().open(accountOrThrow(r.account), r.requester),
      release: (r) => service().release(accountOrThrow(r.account), r.token),
      stepDown: async () => ({ resigned: (await this.candidate?.resign()) ?? false, node: this.config.node.name }),
      acquire: (r) => this.locks.open(accountOrThrow(r.account)),
      closeAccount: async (r) => ({ closed: this.holds.closeAccount(accountOrThrow(r.account), r.token, r.reason) }),
      status: async () => ({
        node: this.config.node.name,
        serving: this.session.isServing(),
        leading: this.candidate?.leadership !== undefined,
        lease: this.session.lease,
        held: this.holds.list().map((h) => ({ account: h.account, token: h.token })),
      }),
    };
  }
}
