/**
 * The mail side of a node: the account directory, this node's spool and queue runner, the router,
 * inbound SMTP and the internal LMTP listener. Constructed by MailNode; start() binds listeners
 * and returns their ports.
 */
import type { SMTPServer } from 'smtp-server';
import type { Etcd3 } from 'etcd3';
import type { Config } from '../src/config/schema.ts';
import type { Logger } from '../src/log/logger.ts';
import type { Keys } from '../src/cluster/keys.ts';
import type { LockClient } from '../src/cluster/lock-client.ts';
import type { ClusterView } from '../src/cluster/view.ts';
import { AccountDirectory } from '../src/accounts/directory.ts';
import { Spool } from '../src/queue/spool.ts';
import type { AccountHolds } from './holds.ts';
import type { LocalDelivery } from './delivery/local.ts';
import { Router } from './delivery/router.ts';
import { QueueRunner } from './delivery/queue-runner.ts';
import { QueueSupervisor } from './delivery/queues.ts';
import type { NodeSession } from '../src/cluster/session.ts';
import { createInboundServer } from './smtp/inbound.ts';
import { createLmtpServer, listen } from './lmtp/server.ts';

export interface MailDeps {
  config: Readonly<Config>;
  etcd: Etcd3;
  keys: Keys;
  view: ClusterView;
  locks: LockClient;
  holds: AccountHolds;
  session: NodeSession;
  local: LocalDelivery;
  log: Logger;
}

export class MailServices {
  readonly directory: AccountDirectory;
  readonly spool: Spool;
  readonly router: Router;
  readonly queues: QueueSupervisor;
  private readonly inbound: SMTPServer;
  private readonly lmtp: SMTPServer;

  constructor(d: MailDeps) {
    const { config, log } = d;
    const hostname = config.smtp.hostname || config.node.name;
    this.directory = new AccountDirectory(d.etcd, d.keys);
    this.spool = new Spool(config.storage.root, config.node.name);
    this.router = new Router({
      nodeName: config.node.name,
      secret: config.cluster.secret,
      locks: d.locks,
      holds: d.holds,
      view: d.view,
      local: d.local,
      log: log.child({ component: 'router' }),
    });
    const queueLog = log.child({ component: 'queue' });
    this.queues = new QueueSupervisor({
      etcd: d.etcd,
      keys: d.keys,
      view: d.view,
      session: d.session,
      nodeName: config.node.name,
      log: queueLog,
      checkIntervalMs: 500,
      makeRunner: (spoolOf) =>
        new QueueRunner({
          spool: spoolOf === config.node.name ? this.spool : new Spool(config.storage.root, spoolOf),
          router: this.router,
          log: queueLog.child({ spoolOf }),
          retryBaseMs: config.queue.retryBaseMs,
          retryMaxMs: config.queue.retryMaxMs,
          lifetimeMs: config.queue.lifetimeSeconds * 1000,
        }),
    });
    this.inbound = createInboundServer({
      hostname,
      directory: this.directory,
      spool: this.spool,
      maxMessageBytes: config.smtp.maxMessageBytes,
      maxRecipients: config.smtp.maxRecipients,
      log: log.child({ component: 'smtp' }),
      onQueued: (env) => this.queues.enqueue(env),
    });
    this.lmtp = createLmtpServer({
      secret: config.cluster.secret,
      hostname,
      holds: d.holds,
      router: this.router,
      maxMessageBytes: config.smtp.maxMessageBytes,
      log: log.child({ component: 'lmtp' }),
    });
  }

  /** Binds LMTP and SMTP; returns their ports. Starts the queue runner on this node's spool. */
  async listen(ports: Config['ports'], host: string): Promise<{ smtp: number; lmtp: number }> {
    const lmtp = await listen(this.lmtp, ports.lmtp, host);
    const smtp = await listen(this.inbound, ports.smtp, host);
    return { smtp, lmtp };
  }

  /** Starts working this node's spool (and any assigned to it); call once registered. */
  async startQueue(): Promise<void> {
    await this.spool.init();
    this.queues.start();
  }

  async stop(): Promise<void> {
    await Promise.allSettled([
      new Promise<void>((r) => this.inbound.close(() => r())),
      new Promise<void>((r) => this.lmtp.close(() => r())),
    ]);
    await this.queues.stop();
  }
}
