/**
 * IMAP on a cluster node: the listeners (imap, imaps), the hooks that route logins through the
 * lock service, the shared per-account stores, and the change bus that wakes IDLE sessions when
 * mail is delivered here. When the node stops holding an account (released, moved, drained,
 * self-fenced) its local sessions get `* BYE` with the reason and its store is closed.
 */
import type { Config } from '../../src/config/schema.ts';
import type { Logger } from '../../src/log/logger.ts';
import type { NodeTls } from '../../src/cluster/pki/node-tls.ts';
import type { TLSSocket } from 'node:tls';
import type { AccountDirectory } from '../../src/accounts/directory.ts';
import type { LockClient } from '../../src/cluster/lock-client.ts';
import type { ClusterView } from '../../src/cluster/view.ts';
import { MaildirStore } from '../../src/storage/maildir/store.ts';
import type { AccountHolds } from '../holds.ts';
import { AccountRegistry } from './account-registry.ts';
import { ChangeBus } from './account.ts';
import { NodeImapHooks } from './node-hooks.ts';
import { ImapServer } from './server.ts';
import { closeReason } from '../routing/close-reasons.ts';
import { nodeLoginOptions } from '../routing/login.ts';
import type { TlsProvider } from '../tls.ts';
import { proxyGateFromConfig } from '../net/proxy-gate.ts';
import type { AuthPenalty } from '../limits/auth-penalty.ts';

export interface ImapServiceDeps {
  config: Readonly<Config>;
  directory: AccountDirectory;
  locks: LockClient;
  view: ClusterView;
  holds: AccountHolds;
  log: Logger;
  /** This node's certificate: proxied sessions go to holders over mutual TLS. */
  nodeTls: NodeTls;
  /** The account's quota limit in bytes (0: none); may be a few seconds old. */
  quotaLimit: (account: string) => Promise<number>;
  onRefused?: (protocol: string, reason: string) => void;
  /** The node's authentication penalties, shared by IMAP, POP3 and submission. */
  penalty?: AuthPenalty;
}

export class ImapService {
  readonly bus = new ChangeBus();
  /** The node's open account stores, shared with POP3 (one store per account per process). */
  readonly registry: AccountRegistry;
  private server: ImapServer | undefined;

  constructor(private readonly d: ImapServiceDeps) {
    this.registry = new AccountRegistry({
      store: new MaildirStore({ root: d.config.storage.root }),
      token: (account) => d.holds.assertServing(account),
      assertServing: (account) => void d.holds.assertServing(account),
    });
    d.holds.on('closed', ({ hold, reason }) => {
      const n = this.server?.closeAccount(hold.account, closeReason(reason)) ?? 0;
      if (n) d.log.info({ account: hold.account, sessions: n, reason }, 'imap sessions closed');
      void this.registry.closeAccount(hold.account);
    });
    // The holder this node's proxied sessions are spliced to no longer holds the account.
    d.view.on('released', (g) => {
      const n = this.server?.closeProxied(g.account) ?? 0;
      if (n) d.log.info({ account: g.account, sessions: n, holder: g.holder }, 'proxied imap sessions closed: holder lost the account');
    });
  }

  /** Binds imap (STARTTLS) and imaps; returns the bound ports. */
  async listen(tls: TlsProvider, host: string): Promise<{ imap: number; imaps: number }> {
    const { config, log } = this.d;
    this.server = new ImapServer({
      hooks: new NodeImapHooks({ ...nodeLoginOptions(config, this.d), registry: this.registry, bus: this.bus, quotaLimit: this.d.quotaLimit }),
      tls,
      allowPlaintextAuth: config.imap.allowPlaintextAuth,
      limits: { maxLineLength: config.imap.maxLineBytes, maxLiteralSize: config.imap.maxLiteralBytes, maxBadCommands: config.imap.maxBadCommands, idleTimeoutMs: config.imap.idleTimeoutSeconds * 1000 },
      serverName: config.node.name,
      peer: { node: config.node.name, secret: config.cluster.secret, tls: this.d.nodeTls },
      log: log.child({ component: 'imap' }),
      maxConnections: config.imap.maxConnections,
      maxConnectionsPerAddress: config.limits.imapConnectionsPerAddress,
      preLoginTimeoutMs: config.limits.preLoginTimeoutSeconds * 1000,
      maxLoginFailures: config.limits.authFailuresPerConnection,
      loginLessPerMinute: config.limits.loginLessConnectionsPerMinute,
      onRefused: (reason) => this.d.onRefused?.('imap', reason),
      proxy: proxyGateFromConfig(config.proxyProtocol, log.child({ component: 'imap' })),
    });
    const imap = await this.server.listen(config.ports.imap, host);
    const imaps = await this.server.listen(config.ports.imaps, host, true);
    return { imap, imaps };
  }

  /** A message was delivered into the account's INBOX on this node: wake its sessions. */
  delivered(account: string): void {
    this.bus.notify(account, { folder: 'INBOX', added: true });
  }

  /** A session another node proxies here over the peer port (`node`: its verified certificate's name). */
  acceptPeer(socket: TLSSocket, node: string): void {
    if (!this.server) return void socket.destroy();
    this.server.accept(socket, true, node);
  }

  sessions(): { imap: number; proxied: number } {
    return this.server?.sessions() ?? { imap: 0, proxied: 0 };
  }

  async stop(): Promise<void> {
    await this.server?.close();
  }
}
