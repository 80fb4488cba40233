/**
 * Logins on a cluster node, for every client protocol (design §5, §4.1): users authenticate
 * against the account directory (cluster peers with one-time tokens for that protocol), and
 * `route` asks the lock service where the account is open — opening it here when nobody has it,
 * waiting through a controller failover rather than refusing — and names the holder's port for
 * the protocol when the session must be proxied.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { AccountDirectory, Hashing } from '../../src/accounts/directory.ts';
import type { AuthPenalty } from '../limits/auth-penalty.ts';
import type { Config } from '../../src/config/schema.ts';
import type { LockClient } from '../../src/cluster/lock-client.ts';
import type { ClusterView } from '../../src/cluster/view.ts';
import { RpcError } from '../../src/cluster/rpc/methods.ts';
import { accountOf } from '../../src/util/account.ts';
import type { AccountHolds } from '../holds.ts';
import { peerEndpoint, selfAudience } from '../../src/cluster/trust/endpoints.ts';
import { PeerLoginVerifier, type PeerProtocol } from './peer-login.ts';
import type { LoginClient } from '../../src/protocol/login-client.ts';

export type LoginRoute = { kind: 'local' } | { kind: 'proxy'; host: string; port: number; node: string; lease: string } | { kind: 'unavailable'; reason: string };

export interface ClusterLoginOptions {
  nodeName: string;
  secret: string;
  frontend: boolean;
  directory: AccountDirectory;
  locks: LockClient;
  view: ClusterView;
  holds: AccountHolds;
  /** How long a login may wait for the account to be opened here (grant seen, fence written). */
  holdTimeoutMs: number;
  /** Authentication penalties and the password-hash gate, shared by every protocol of the node (none: unlimited). */
  penalty?: AuthPenalty;
  /** Which peer tokens are accepted. */
  protocol: PeerProtocol;
}

/** The node-wide part of ClusterLoginOptions, from the config and the node's cluster services. */
export type NodeLoginOptions = Omit<ClusterLoginOptions, 'protocol'>;

export function nodeLoginOptions(config: Readonly<Config>, d: Pick<NodeLoginOptions, 'directory' | 'locks' | 'view' | 'holds' | 'penalty'>): NodeLoginOptions {
  return {
    ...(d.penalty ? { penalty: d.penalty } : {}),
    nodeName: config.node.name,
    secret: config.cluster.secret,
    frontend: config.node.role === 'frontend',
    directory: d.directory,
    locks: d.locks,
    view: d.view,
    holds: d.holds,
    holdTimeoutMs: config.locks.openTimeoutMs,
  };
}

/** Successful logins are remembered this long (as Dovecot's auth_cache_ttl): no scrypt per login. */
const AUTH_CACHE_MS = 60_000;

export class ClusterLogin {
  private readonly peers: PeerLoginVerifier;
  /** account → HMAC of the password that last succeeded (keyed per process), and until when. */
  private readonly authCache = new Map<string, { mac: string; until: number }>();
  private readonly cacheKey = randomBytes(32);

  constructor(private readonly o: ClusterLoginOptions) {
    this.peers = new PeerLoginVerifier(o.secret, () => selfAudience(o.view, o.nodeName), o.protocol);
  }

  /**
   * The normalised account name when the credentials are right, else undefined. User passwords
   * from a known `client` go through the node's AuthPenalty (which may reject with AuthRefused).
   * A peer login is accepted only on the internal peer port (`client.linkPeer`), from the node
   * whose certificate the link presented; that port accepts nothing else.
   */
  async authenticate(user: string, password: string, client?: LoginClient): Promise<string | undefined> {
    const account = accountOf(user);
    if (account === undefined) return undefined;
    if (client?.linkPeer !== undefined) return this.peers.verify(account, password) === client.linkPeer ? account : undefined;
    if (password.startsWith('peer:')) return undefined;
    const penalty = this.o.penalty;
    if (penalty && client) return penalty.check(client.address, account, (hashing) => this.checkPassword(account, password, hashing));
    return this.checkPassword(account, password);
  }

  /** The directory's answer, or the cache's when the same password succeeded within AUTH_CACHE_MS. */
  private async checkPassword(account: string, password: string, hashing?: Hashing): Promise<string | undefined> {
    const mac = createHmac('sha256', this.cacheKey).update(`${account}\0${password}`).digest('base64');
    const hit = this.authCache.get(account);
    if (hit && hit.until > Date.now() && hit.mac === mac) return account;
    const ok = await this.o.directory.authenticate(account, password, hashing);
    if (ok) {
      if (this.authCache.size > 100_000) this.authCache.clear();
      this.authCache.set(account, { mac, until: Date.now() + AUTH_CACHE_MS });
    } else this.authCache.delete(account);
    return ok;
  }

  /** Where the session for `account` runs; waits (up to holdTimeoutMs) for a grant to settle. */
  async route(account: string): Promise<LoginRoute> {
    const deadline = Date.now() + this.o.holdTimeoutMs;
    for (;;) {
      let grant;
      try {
        grant = await this.o.locks.open(account);
      } catch (err) {
        return { kind: 'unavailable', reason: err instanceof RpcError ? `mailbox not available now (${err.code}); please retry` : 'mailbox not available now; please retry' };
      }
      if (grant.holder !== this.o.nodeName || this.o.frontend) {
        const holder = peerEndpoint(this.o.view, grant.holder, 'peer');
        if (!holder) return { kind: 'unavailable', reason: 'the server holding this mailbox is not reachable; please retry' };
        return { kind: 'proxy', ...holder };
      }
      // Granted to us: it is being opened (wait for it), or it was just closed here for a move or
      // drain and the controller is about to release it (wait for the grant to change, then route again).
      const held = !this.o.holds.closedUnder(account, grant.token) && await this.o.holds.waitHeld(account, grant.token, Math.min(3000, Math.max(1, deadline - Date.now()))).then(() => true, () => false);
      if (held) return { kind: 'local' };
      if (Date.now() >= deadline) return { kind: 'unavailable', reason: 'mailbox not available now; please retry' };
      const token = grant.token;
      await this.o.view.waitFor(() => this.o.view.grant(account)?.token !== token, Math.max(1, deadline - Date.now())).catch(() => undefined);
    }
  }
}
