/**
 * POP3 on a cluster node: the listeners (pop3, pop3s) and the hooks that route logins through the
 * lock service, over the account stores and change bus IMAP already keeps on this node (so a
 * POP3 QUIT is seen at once by the account's IMAP sessions, and the two never open one account
 * twice). When the node stops holding an account (released, moved, drained, self-fenced) its
 * local POP3 sessions get `-ERR [SYS/TEMP]` with the reason and are closed; nothing they marked
 * for deletion is deleted.
 */
import type { Config } from '../../src/config/schema.ts';
import type { Logger } from '../../src/log/logger.ts';
import type { NodeTls } from '../../src/cluster/pki/node-tls.ts';
import type { TLSSocket } from 'node:tls';
import type { AccountDirectory } from '../../src/accounts/directory.ts';
import type { LockClient } from '../../src/cluster/lock-client.ts';
import type { ClusterView } from '../../src/cluster/view.ts';
import type { AccountHolds } from '../holds.ts';
import type { AccountRegistry } from '../imap/account-registry.ts';
import type { ChangeBus } from '../imap/account.ts';
import { closeReason } from '../routing/close-reasons.ts';
import { nodeLoginOptions } from '../routing/login.ts';
import { proxyGateFromConfig } from '../net/proxy-gate.ts';
import type { AuthPenalty } from '../limits/auth-penalty.ts';
import { NodePop3Hooks } from './node-hooks.ts';
import { Pop3Server } from './server.ts';
import type { TlsProvider } from '../tls.ts';

export interface Pop3ServiceDeps {
  config: Readonly<Config>;
  directory: AccountDirectory;
  locks: LockClient;
  view: ClusterView;
  holds: AccountHolds;
  /** IMAP's: the node's one open store per account, and its change notifications. */
  registry: AccountRegistry;
  bus: ChangeBus;
  log: Logger;
  /** This node's certificate: proxied sessions go to holders over mutual TLS. */
  nodeTls: NodeTls;
  onRefused?: (protocol: string, reason: string) => void;
  /** The node's authentication penalties, shared by IMAP, POP3 and submission. */
  penalty?: AuthPenalty;
}

export class Pop3Service {
  private server: Pop3Server | undefined;

  constructor(private readonly d: Pop3ServiceDeps) {
    d.holds.on('closed', ({ hold, reason }) => {
      const n = this.server?.closeAccount(hold.account, closeReason(reason)) ?? 0;
      if (n) d.log.info({ account: hold.account, sessions: n, reason }, 'pop3 sessions closed');
    });
    d.view.on('released', (g) => {
      const n = this.server?.closeProxied(g.account) ?? 0;
      if (n) d.log.info({ account: g.account, sessions: n, holder: g.holder }, 'proxied pop3 sessions closed: holder lost the account');
    });
  }

  /** Binds pop3 (STLS) and pop3s; returns the bound ports. */
  async listen(tls: TlsProvider, host: string): Promise<{ pop3: number; pop3s: number }> {
    const { config, log } = this.d;
    this.server = new Pop3Server({
      hooks: new NodePop3Hooks({ ...nodeLoginOptions(config, this.d), registry: this.d.registry, bus: this.d.bus }),
      tls,
      allowPlaintextAuth: config.pop3.allowPlaintextAuth,
      limits: { maxLineLength: config.pop3.maxLineBytes, maxBadCommands: config.pop3.maxBadCommands, idleTimeoutMs: config.pop3.idleTimeoutSeconds * 1000 },
      peer: { node: config.node.name, secret: config.cluster.secret, tls: this.d.nodeTls },
      log: log.child({ component: 'pop3' }),
      maxConnections: config.pop3.maxConnections,
      maxConnectionsPerAddress: config.limits.pop3ConnectionsPerAddress,
      preLoginTimeoutMs: config.limits.preLoginTimeoutSeconds * 1000,
      maxLoginFailures: config.limits.authFailuresPerConnection,
      loginLessPerMinute: config.limits.loginLessConnectionsPerMinute,
      onRefused: (reason) => this.d.onRefused?.('pop3', reason),
      proxy: proxyGateFromConfig(config.proxyProtocol, log.child({ component: 'pop3' })),
    });
    const pop3 = await this.server.listen(config.ports.pop3, host);
    const pop3s = await this.server.listen(config.ports.pop3s, host, true);
    return { pop3, pop3s };
  }

  /** A session another node proxies here over the peer port (`node`: its verified certificate's name). */
  acceptPeer(socket: TLSSocket, node: string): void {
    if (!this.server) return void socket.destroy();
    this.server.accept(socket, true, node);
  }

  sessions(): { pop3: number; proxied: number } {
    return this.server?.sessions() ?? { pop3: 0, proxied: 0 };
  }

  async stop(): Promise<void> {
    await this.server?.close();
  }
}
