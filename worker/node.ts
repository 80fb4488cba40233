/**
 * MailNode: one `mailcluster node` process — listeners, lease and registration, the routing cache,
 * the controller candidacy (unless frontend) and the lock service it serves when elected.
 *
 * start() resolves once the node is registered and its cluster view is loaded. stop() revokes the
 * lease so that its grants and candidacy vanish at once (a clean shutdown fails over immediately).
 */
import { hostname } from 'node:os';
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
import { ControllerRole } from '../controller/controller-role.ts';
import { EventLog } from '../src/cluster/events.ts';
import { adminToken } from '../src/cluster/admin-token.ts';
import { ClusterOps } from './api/ops.ts';
import { StatsCollector } from './stats.ts';
import { ImapService } from './imap/service.ts';
import { Pop3Service } from './pop3/service.ts';
import { QuotaLookup } from './delivery/quota.ts';
import { AccountHolds } from './holds.ts';
import { AdminServer } from './admin.ts';
import { NodeMetrics } from './metrics.ts';
import { access, mkdir, writeFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { MailServices } from './mail.ts';
import { accountDir, MaildirDelivery } from './delivery/maildir-delivery.ts';
import { assertFence, writeFence } from '../src/storage/fence.ts';
import { AccountNameError, parseAccount } from '../src/util/account.ts';
import { NodeTls } from '../src/cluster/pki/node-tls.ts';
import { bindPeerListener } from './net/peer-listener.ts';
import type { Server as TlsServer } from 'node:tls';

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
  /** Candidacy, lock service and reconcilers; undefined on frontends. */
  readonly controller: ControllerRole | undefined;
  readonly events: EventLog;
  readonly stats: StatsCollector;
  readonly imap: ImapService;
  readonly pop3: Pop3Service;
  private statsTimer: NodeJS.Timeout | undefined;
  readonly mail: MailServices;
  readonly metrics: NodeMetrics;
  private storageOk = false;
  private storageTimer: NodeJS.Timeout | undefined;
  private readonly rpcServer: RpcServer;
  private readonly admin: AdminServer;
  private readonly ports: Record<string, number> = {};
  /** The cluster CA and this node's certificate: every internal link is mutual TLS. */
  readonly nodeTls: NodeTls;
  private peerListener: TlsServer | undefined;
  private readonly started = Date.now();
  /**
   * Quota limits (cached for a few seconds) for delivery and IMAP. MailServices, which owns the
   * directory, is built after this, hence the getter.
   */
  private readonly quota = new QuotaLookup(() => this.mail.directory);

  constructor(readonly config: Readonly<Config>, readonly log: Logger) {
    const name = config.node.name;
    this.nodeTls = NodeTls.load(name, config.cluster);
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
        pid: process.pid,
        host: hostname(),
        load: this.holds?.size ?? 0,
        ...(this.stats?.current ? { stats: this.stats.current } : {}),
      }),
    });
    this.rpcClient = new RpcClient(config.cluster.secret, name, this.nodeTls);
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
    this.events = new EventLog(this.etcd, this.keys, name);
    if (config.node.role !== 'frontend') {
      this.controller = new ControllerRole({
        etcd: this.etcd,
        keys: this.keys,
        session: this.session,
        view: this.view,
        rpc: this.rpcClient,
        events: this.events,
        nodeName: name,
        storageRoot: config.storage.root,
        rpcTimeoutMs: config.locks.rpcTimeoutMs,
        leaseTtlMs: config.lease.ttlSeconds * 1000,
        log,
        onGrant: (ms) => this.metrics.grantLatency.observe(ms / 1000),
        onElected: (gapMs) => {
          this.metrics.failovers.inc();
          if (gapMs !== undefined) this.metrics.failoverGap.observe(gapMs / 1000);
        },
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
      local: this.localDelivery(),
      nodeTls: this.nodeTls,
      log,
      onSmtpRefused: (code) => this.metrics.smtpRefusals.inc({ code: String(code) }),
      onOutcomes: (outs) => {
        for (const o of outs) this.metrics.deliveries.inc({ result: o.ok ? 'delivered' : o.permanent ? 'failed' : 'deferred' });
      },
    });
    this.imap = new ImapService({
      config, directory: this.mail.directory, locks: this.locks, view: this.view, holds: this.holds, log, nodeTls: this.nodeTls,
      quotaLimit: (account) => this.quota.limit(account),
      penalty: this.mail.penalty,
      onRefused: (protocol, reason) => this.metrics.connectionsRefused.inc({ protocol, reason }),
    });
    this.pop3 = new Pop3Service({
      config, directory: this.mail.directory, locks: this.locks, view: this.view, holds: this.holds, registry: this.imap.registry, bus: this.imap.bus, log, nodeTls: this.nodeTls,
      penalty: this.mail.penalty,
      onRefused: (protocol, reason) => this.metrics.connectionsRefused.inc({ protocol, reason }),
    });
    this.stats = new StatsCollector({ storageRoot: config.storage.root, sessions: () => this.sessions(), queueDepth: () => this.mail.queues.depth });
    this.metrics = new NodeMetrics(name, {
      leading: () => this.controller?.leading ?? false,
      openAccounts: () => this.holds.size,
      queueDepth: () => this.mail.queues.depth,
      serving: () => this.session.isServing(),
      sessions: () => this.sessions(),
      queueOldestSeconds: () => {
        const oldest = this.mail.queues.oldestReceived;
        return oldest === undefined ? 0 : (Date.now() - oldest) / 1000;
      },
    });
    this.reportSelfFencing();
    this.rpcServer = new RpcServer(config.cluster.secret, () => ({ node: name, lease: this.session.lease }), this.nodeTls, this.handlers(), log.child({ component: 'rpc' }));
    this.admin = new AdminServer({
      readiness: () => {
        const checks = { registered: this.session.isServing(), viewLoaded: this.view.loaded, storageWritable: this.storageOk };
        return { ready: Object.values(checks).every(Boolean), checks };
      },
      metrics: this.metrics.registry,
      token: adminToken(config),
      node: name,
      ...(config.admin.metricsToken ? { metricsToken: config.admin.metricsToken } : {}),
      log: log.child({ component: 'admin' }),
      api: {
        ops: new ClusterOps({ etcd: this.etcd, keys: this.keys, view: this.view, locks: this.locks, rpc: this.rpcClient, events: this.events, storageRoot: config.storage.root, rpcTimeoutMs: config.locks.rpcTimeoutMs }),
        directory: this.mail.directory,
        events: this.events,
      },
    });
  }

  /** Open client sessions per protocol, for status, the dashboard and /metrics. */
  sessions(): Record<string, number> {
    const imap = this.imap.sessions();
    const pop3 = this.pop3.sessions();
    return { ...this.mail.sessions(), imap: imap.imap, pop3: pop3.pop3, 'imap-proxied': imap.proxied, 'pop3-proxied': pop3.proxied };
  }

  /** Maildir delivery that wakes the account's IMAP sessions once the message is on disk. */
  private localDelivery(): MaildirDelivery {
    const quota = this.quota;
    return new MaildirDelivery({
      root: this.config.storage.root,
      checkFence: (dir, token) => assertFence(dir, BigInt(token)),
      quota: (account, dir) => quota.check(account, dir),
      onDuplicate: (account, queueId) => this.log.info({ account, id: queueId }, 'already stored: retry not stored again'),
      onDelivered: (account, bytes) => {
        quota.charge(account, bytes);
        this.imap.delivered(account);
      },
    });
  }

  /** Records a self-fencing in the event log once the node has registered again. */
  private reportSelfFencing(): void {
    // from when serving really ended (the window's close, which for a process that was paused is
    // long before it woke and noticed), to when it serves again
    let fencedAt: number | undefined;
    this.session.on('fenced', ({ servingUntil }) => {
      this.metrics.selfFences.inc();
      fencedAt ??= servingUntil;
    });
    this.session.on('registered', () => {
      if (fencedAt === undefined) return;
      const gapMs = Date.now() - fencedAt;
      fencedAt = undefined;
      const name = this.config.node.name;
      void this.events
        .append({ type: 'self-fenced', node: name, gapMs, message: `${name} fenced itself (lease keep-alive overdue) and served nothing for ${(gapMs / 1000).toFixed(1)} s` })
        .catch((err: unknown) => this.log.warn({ err }, 'event not recorded'));
    });
  }

  private async publishStats(): Promise<void> {
    await this.stats.collect();
    await this.session.refresh();
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
    await this.stats.collect();
    this.storageTimer = setInterval(() => void this.probeStorage(), 5000);
    this.storageTimer.unref();
    const { bindAddress } = this.config.node;
    this.ports.rpc = await this.rpcServer.listen(this.config.ports.rpc, bindAddress);
    this.ports.admin = await this.admin.listen(this.config.ports.admin, bindAddress);
    Object.assign(this.ports, await this.mail.listen(this.config.ports, bindAddress));
    Object.assign(this.ports, await this.imap.listen(this.mail.tls!, bindAddress));
    Object.assign(this.ports, await this.pop3.listen(this.mail.tls!, bindAddress));
    this.peerListener = await bindPeerListener({
      port: this.config.ports.peer,
      host: bindAddress,
      tls: this.nodeTls,
      accept: { imap: (s, node) => this.imap.acceptPeer(s, node), pop3: (s, node) => this.pop3.acceptPeer(s, node) },
      log: this.log.child({ component: 'peer' }),
    });
    this.ports.peer = (this.peerListener.address() as import('node:net').AddressInfo).port;
    await this.view.start();
    this.holds.start();
    await this.session.start();
    if (this.config.node.undrainOnStart) {
      await this.etcd.delete().key(this.keys.drain(this.config.node.name)).exec().catch((err: unknown) => this.log.warn({ err }, 'could not clear the drain flag'));
    }
    this.controller?.start();
    this.statsTimer = setInterval(() => void this.publishStats(), this.config.admin.statsIntervalMs);
    this.statsTimer.unref();
    await this.mail.startQueue();
    this.log.info({ address: this.config.node.advertiseAddress, ports: this.ports }, 'node started');
  }

  get boundPorts(): Readonly<Record<string, number>> { return this.ports; }

  async stop(): Promise<void> {
    clearInterval(this.storageTimer);
    clearInterval(this.statsTimer);
    await Promise.all([this.imap.stop(), this.pop3.stop(), new Promise<void>((r) => (this.peerListener ? this.peerListener.close(() => r()) : r()))]);
    await this.mail.stop();
    this.holds.stop();
    await this.controller?.stop();
    await this.session.stop();
    await this.view.stop();
    await Promise.allSettled([this.rpcServer.close(), this.admin.close()]);
    this.rpcClient.close();
    this.etcd.close();
  }

  private handlers(): ConstructorParameters<typeof RpcServer>[3] {
    const role = (): ControllerRole => {
      if (!this.controller) throw new RpcError('NOT_LEADER', 'frontend nodes never lead', true);
      return this.controller;
    };
    const service = () => role().locks;
    return {
      open: (r) => service().open(accountOrThrow(r.account), r.requester),
      release: (r) => service().release(accountOrThrow(r.account), r.token),
      stepDown: async () => ({ resigned: (await this.controller?.stepDown()) ?? false, node: this.config.node.name }),
      move: (r) => {
        if (!role().leading) throw new RpcError('NOT_LEADER', 'this node is not the controller', true);
        return role().mover.move(accountOrThrow(r.account), r.to || undefined, 'moved by the operator');
      },
      flushQueue: async () => ({ queued: this.mail.queues.flush() }),
      acquire: (r) => this.locks.open(accountOrThrow(r.account)),
      closeAccount: async (r) => ({ closed: this.holds.closeAccount(accountOrThrow(r.account), r.token, r.reason) }),
      status: async () => ({
        node: this.config.node.name,
        serving: this.session.isServing(),
        leading: this.controller?.leading ?? false,
        lease: this.session.lease,
        held: this.holds.list().map((h) => ({ account: h.account, token: h.token })),
      }),
    };
  }
}
