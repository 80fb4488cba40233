/**
 * The mail side of a node: the account directory, this node's spool and queue runner, the router,
 * inbound SMTP and the internal LMTP listener. Constructed by MailNode; start() binds listeners
 * and returns their ports.
 */
import type { SMTPServer } from 'smtp-server';
import type { Etcd3 } from 'etcd3';
import type { Config } from '../src/config/schema.ts';
import type { NodeTls } from '../src/cluster/pki/node-tls.ts';
import type { Logger } from '../src/log/logger.ts';
import type { Keys } from '../src/cluster/keys.ts';
import type { LockClient } from '../src/cluster/lock-client.ts';
import type { ClusterView } from '../src/cluster/view.ts';
import { AccountDirectory } from '../src/accounts/directory.ts';
import { DirectoryCache } from '../src/accounts/cache.ts';
import { Spool } from '../src/queue/spool.ts';
import type { AccountHolds } from './holds.ts';
import type { LocalDelivery } from './delivery/local.ts';
import { Router, type RouterOptions } from './delivery/router.ts';
import { QueueRunner } from './delivery/queue-runner.ts';
import { QueueSupervisor } from './delivery/queues.ts';
import type { NodeSession } from '../src/cluster/session.ts';
import { createInboundServer } from './smtp/inbound.ts';
import { createLmtpServer, listen } from './lmtp/server.ts';
import { createSubmissionServer } from './smtp/submission.ts';
import { closeGracefully } from './smtp/graceful-close.ts';
import { installProxyGate } from './smtp/proxy-protocol.ts';
import { proxyGateFromConfig } from './net/proxy-gate.ts';
import { Relay } from './delivery/relay.ts';
import { loadTls, type TlsProvider, type TlsSource } from './tls.ts';
import { buildDsn } from '../src/mime/dsn.ts';
import { newEnvelope, newQueueId, type Envelope } from '../src/queue/spool.ts';
import { Readable } from 'node:stream';
import { limitPerAddress, tarpit } from './smtp/client-limits.ts';
import { authPenaltyFromConfig, type AuthPenalty } from './limits/auth-penalty.ts';

export interface MailDeps {
  /** Called with the reply code of each recipient refused on port 25 (metrics). */
  onSmtpRefused?: (code: number) => void;
  config: Readonly<Config>;
  etcd: Etcd3;
  keys: Keys;
  view: ClusterView;
  locks: LockClient;
  holds: AccountHolds;
  session: NodeSession;
  local: LocalDelivery;
  /** This node's certificate for the internal links (LMTP both ways). */
  nodeTls: NodeTls;
  log: Logger;
  onOutcomes?: RouterOptions['onOutcomes'];
}

export class MailServices {
  readonly directory: AccountDirectory;
  readonly spool: Spool;
  readonly router: Router;
  readonly queues: QueueSupervisor;
  private inbound: SMTPServer | undefined;
  /** Builds port 25's server once the certificate is loaded (listen()). */
  private readonly makeInbound: (tls: TlsProvider) => SMTPServer;
  private readonly lmtp: SMTPServer;
  private submission: SMTPServer[] = [];
  /** The client-facing certificate, loaded by listen() and watched (IMAP and POP3 use the same). */
  tls: TlsSource | undefined;
  private readonly hostname: string;
  readonly cache: DirectoryCache;
  /** Authentication penalties and the password-hash gate, shared with IMAP and POP3. */
  readonly penalty: AuthPenalty;

  constructor(private readonly deps: MailDeps) {
    const d = deps;
    const { config, log } = d;
    const hostname = config.smtp.hostname || config.node.name;
    this.hostname = hostname;
    this.directory = new AccountDirectory(d.etcd, d.keys);
    this.cache = new DirectoryCache(this.directory);
    this.penalty = authPenaltyFromConfig(config.limits);
    this.spool = new Spool(config.storage.root, config.node.name);
    this.router = new Router({
      nodeName: config.node.name,
      secret: config.cluster.secret,
      tls: d.nodeTls,
      locks: d.locks,
      holds: d.holds,
      view: d.view,
      local: d.local,
      log: log.child({ component: 'router' }),
      isLocal: (address) => this.cache.hasDomain(address.slice(address.lastIndexOf('@') + 1)),
      onOutcomes: d.onOutcomes,
      relay: new Relay({ smarthost: config.relay.smarthost, mxPort: config.relay.mxPort, dnsServers: config.relay.dnsServers, hostname, log: log.child({ component: 'relay' }) }),
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
          takenOver: spoolOf !== config.node.name,
          router: this.router,
          log: queueLog.child({ spoolOf }),
          retryBaseMs: config.queue.retryBaseMs,
          retryMaxMs: config.queue.retryMaxMs,
          lifetimeMs: config.queue.lifetimeSeconds * 1000,
          onFailed: (env, failed, message) => this.bounce(env, failed, message),
        }),
    });
    this.makeInbound = (tls) => createInboundServer({
      hostname,
      tls,
      directory: this.cache,
      spool: this.spool,
      maxMessageBytes: config.smtp.maxMessageBytes,
      maxRecipients: config.smtp.maxRecipients,
      greetPauseMs: config.smtp.greetPauseMs,
      maxConnections: config.smtp.maxConnections,
      log: log.child({ component: 'smtp' }),
      onQueued: (env) => this.queues.enqueue(env),
      onRefused: (code) => d.onSmtpRefused?.(code),
      direct: {
        // Every recipient is open somewhere right now: deliver before 250, locally or over LMTP to
        // the holder (which fsyncs into the maildir before it answers); no spool on this node.
        eligible: (rcpts) => rcpts.every((r) => d.holds.isServing(r) || d.view.nodes.has(d.locks.where(r)?.holder ?? '')),
        deliver: async (from, rcpts, message, queueId) => {
          // stored under its queue id, so that the spool's retry of an unclear outcome (the holder
          // stored it, then its reply was lost) finds the copy instead of storing a second one
          const out = await this.router.route(from, rcpts, message, { queueId, retry: false });
          const failed = out.filter((r) => !r.ok);
          // every recipient refused for good (mailbox full, …): say so at DATA rather than bounce later
          if (failed.length === out.length && failed.every((r) => r.permanent)) return { pending: [], refusal: failed[0]!.reply };
          return { pending: failed.map((r) => r.address) };
        },
      },
    });
    this.lmtp = createLmtpServer({
      secret: config.cluster.secret,
      self: () => ({ node: config.node.name, lease: d.session.lease }),
      hostname,
      holds: d.holds,
      router: this.router,
      maxMessageBytes: config.smtp.maxMessageBytes,
      log: log.child({ component: 'lmtp' }),
      tls: d.nodeTls,
    });
    limitPerAddress(this.lmtp, config.limits.lmtpConnectionsPerAddress);
  }

  /** Binds LMTP, SMTP and both submission ports; returns the bound ports. */
  async listen(ports: Config['ports'], host: string): Promise<Record<'smtp' | 'lmtp' | 'submission' | 'submissions', number>> {
    const { config, log } = this.deps;
    const tls = await loadTls(config, log);
    this.tls = tls;
    const make = (implicitTls: boolean): SMTPServer =>
      createSubmissionServer({
        hostname: this.hostname,
        directory: this.cache,
        spool: this.spool,
        tls,
        implicitTls,
        maxMessageBytes: config.smtp.maxMessageBytes,
        maxRecipients: config.smtp.maxRecipients,
        maxConnections: config.smtp.maxConnections,
        log: log.child({ component: 'submission' }),
        onQueued: (env) => this.queues.enqueue(env),
        penalty: this.penalty,
        maxAuthFailures: config.limits.authFailuresPerConnection,
      });
    this.submission = [make(false), make(true)];
    this.inbound = this.makeInbound(tls);
    const limits = config.limits;
    limitPerAddress(this.inbound, limits.smtpConnectionsPerAddress, () => this.deps.onSmtpRefused?.(421));
    tarpit(this.inbound, { sleepMs: limits.smtpErrorSleepMs, softLimit: limits.smtpSoftErrorLimit, hardLimit: limits.smtpHardErrorLimit });
    // smtp-server re-emits a session's unexpected errors (a failed TLS handshake, say) on the
    // server: without a listener one hostile client would end the process.
    const bind = async (srv: SMTPServer, port: number, component: string): Promise<number> => {
      const bound = await listen(srv, port, host);
      const slog = log.child({ component });
      srv.on('error', (err: Error) => slog.info({ err }, 'smtp session error'));
      return bound;
    };
    const proxy = proxyGateFromConfig(config.proxyProtocol, log.child({ component: 'smtp' }));
    const guard = (server: SMTPServer, name: string, implicitTls: boolean): void => {
      if (proxy?.listeners.includes(name)) installProxyGate(server, proxy.gate, implicitTls);
    };
    guard(this.inbound, 'smtp', false);
    guard(this.submission[0]!, 'submission', false);
    guard(this.submission[1]!, 'submissions', true);
    // one count for 587 and 465 together, as IMAP counts 143 and 993 together
    limitPerAddress(this.submission, config.limits.submissionConnectionsPerAddress);
    for (const srv of this.submission) tarpit(srv, { sleepMs: config.limits.smtpErrorSleepMs, softLimit: config.limits.smtpSoftErrorLimit, hardLimit: config.limits.smtpHardErrorLimit });
    const lmtp = await bind(this.lmtp, ports.lmtp, 'lmtp');
    const smtp = await bind(this.inbound, ports.smtp, 'smtp');
    const submission = await bind(this.submission[0]!, ports.submission, 'submission');
    const submissions = await bind(this.submission[1]!, ports.submissions, 'submission');
    return { smtp, lmtp, submission, submissions };
  }

  /** Queues an RFC 3464 bounce to the sender; a message with the null sender is never bounced. */
  private async bounce(env: Envelope, failed: Envelope['recipients'], original: Buffer): Promise<void> {
    const log = this.deps.log;
    if (!env.from) {
      log.warn({ id: env.id, count: failed.length }, 'undeliverable bounce discarded');
      return;
    }
    const dsn = buildDsn({
      reportingMta: this.hostname,
      to: env.from,
      queueId: env.id,
      arrival: new Date(env.received),
      failed: failed.map((f) => ({ address: f.address, reply: f.reply ?? '554 5.0.0 failed' })),
      original,
    });
    const queued = await this.spool.accept(newQueueId(), '', Readable.from([dsn]), newEnvelope('', [env.from], 'bounce'), Number.MAX_SAFE_INTEGER);
    log.info({ id: env.id, count: failed.length }, 'bounce queued');
    this.queues.enqueue(queued);
  }


  /** Open SMTP sessions per listener kind (smtp-server keeps its sockets in `connections`). */
  sessions(): Record<string, number> {
    const count = (srv: SMTPServer | undefined): number => (srv as unknown as { connections?: Set<unknown> } | undefined)?.connections?.size ?? 0;
    return { smtp: count(this.inbound), submission: this.submission.reduce((n, srv) => n + count(srv), 0), lmtp: count(this.lmtp) };
  }

  /** Starts working this node's spool (and any assigned to it); call once registered. */
  async startQueue(): Promise<void> {
    await this.spool.init();
    this.queues.start();
  }

  /**
   * Stops accepting; sessions between transactions are closed at once and the others get
   * `node.shutdownGraceMs` (closeGracefully). Our pooled LMTP connections to peers are closed
   * first so that a peer stopping at the same time need not wait for them.
   */
  async stop(): Promise<void> {
    this.router.close();
    const grace = this.deps.config.node.shutdownGraceMs;
    await Promise.allSettled([this.inbound, this.lmtp, ...this.submission].filter((srv) => srv !== undefined).map((srv) => closeGracefully(srv, grace)));
    await this.queues.stop();
    this.tls?.close();
  }
}
