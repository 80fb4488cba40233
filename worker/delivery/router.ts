/**
 * Routes one message to its local recipients' holders (design §4.1, §7): for each recipient, find
 * or obtain the holder (LockClient); deliver locally when it is this node, else hand the message
 * to the holder over LMTP — one LMTP transaction per holder, with a reply per recipient.
 *
 * Contract: resolves with one outcome per recipient; never throws for a single recipient's
 * failure. `temporary` outcomes stay queued and are retried; `permanent` ones bounce.
 */
import type { Logger } from '../../src/log/logger.ts';
import type { LockClient } from '../../src/cluster/lock-client.ts';
import type { ClusterView } from '../../src/cluster/view.ts';
import { returnPathHeader } from '../../src/util/mail-headers.ts';
import { NotServingError, type AccountHolds } from '../holds.ts';
import { peerCredentials } from '../lmtp/peer-auth.ts';
import { DeliveryError, type LocalDelivery, type QueuedDelivery } from './local.ts';

import { LmtpPool } from './lmtp-pool.ts';
import type { NodeTls } from '../../src/cluster/pki/node-tls.ts';
import { outcomesOf, type Outcome } from './smtp-client.ts';
import type { Relay } from './relay.ts';

export type { Outcome };

export interface RouterOptions {
  nodeName: string;
  secret: string;
  /** This node's certificate for the LMTP links to holders (mutual TLS). */
  tls: NodeTls;
  locks: LockClient;
  holds: AccountHolds;
  view: ClusterView;
  local: LocalDelivery;
  log: Logger;
  lmtpTimeoutMs?: number;
  /** Whether an address is in a served domain; others go to `relay`. */
  isLocal: (address: string) => Promise<boolean>;
  relay: Relay;
  /** Observes every routed outcome (metrics). */
  onOutcomes?: (outcomes: Outcome[]) => void;
}

export class Router {
  private readonly pools = new Map<string, LmtpPool>();

  constructor(private readonly o: RouterOptions) {}

  /** `queued`: the message comes from the spool (see QueuedDelivery: a retry is not stored twice). */
  async route(from: string, recipients: string[], message: Buffer, queued?: QueuedDelivery): Promise<Outcome[]> {
    const local: string[] = [];
    const remote: string[] = [];
    for (const r of recipients) ((await this.o.isLocal(r).catch(() => true)) ? local : remote).push(r);
    const [a, b] = await Promise.all([this.routeLocal(from, local, message, queued), remote.length ? this.o.relay.send(from, remote, message) : []]);
    const all = [...a, ...b];
    this.o.onOutcomes?.(all);
    return all;
  }

  private async routeLocal(from: string, recipients: string[], message: Buffer, queued: QueuedDelivery | undefined): Promise<Outcome[]> {
    if (recipients.length === 0) return [];
    const byHolder = new Map<string, Array<{ address: string; token: string }>>();
    const outcomes: Outcome[] = [];
    await Promise.all(
      recipients.map(async (address) => {
        try {
          const g = await this.o.locks.open(address);
          const list = byHolder.get(g.holder) ?? [];
          list.push({ address, token: g.token });
          byHolder.set(g.holder, list);
        } catch (err) {
          outcomes.push({ address, ok: false, permanent: false, cluster: true, reply: `451 4.3.0 cannot open account: ${(err as Error).message}` });
        }
      }),
    );
    await Promise.all(
      [...byHolder].map(async ([holder, list]) => {
        if (holder === this.o.nodeName) outcomes.push(...(await this.deliverHere(from, list, message, true, queued)));
        else outcomes.push(...(await this.deliverRemote(holder, from, list.map((r) => r.address), message, queued)));
      }),
    );
    return outcomes;
  }

  /** Delivers to accounts this node holds (waiting briefly for its watch to confirm the grant). */
  async deliverHere(from: string, list: Array<{ address: string; token: string }>, message: Buffer, addReturnPath = true, queued?: QueuedDelivery): Promise<Outcome[]> {
    const withPath = addReturnPath ? Buffer.concat([Buffer.from(returnPathHeader(from)), message]) : message;
    return Promise.all(
      list.map(async ({ address, token }): Promise<Outcome> => {
        try {
          await this.o.holds.waitHeld(address, token, 5000);
          await this.o.local.deliver(address, this.o.holds.assertServing(address), withPath, queued);
          return { address, ok: true };
        } catch (err) {
          // a temporary refusal (a full disk) is the operator's to see; a permanent one is the recipient's
          if (err instanceof DeliveryError && err.permanent) return { address, ok: false, permanent: true, reply: err.reply };
          this.o.log.warn({ err, account: address }, 'local delivery failed');
          if (err instanceof DeliveryError) return { address, ok: false, permanent: false, reply: err.reply };
          // not serving (fenced) or no longer the holder: the cluster's, not the disk's
          const cluster = err instanceof NotServingError ? { cluster: true as const } : {};
          return { address, ok: false, permanent: false, ...cluster, reply: `451 4.3.0 local delivery failed: ${(err as Error).message}` };
        }
      }),
    );
  }

  private async deliverRemote(holder: string, from: string, recipients: string[], message: Buffer, queued: QueuedDelivery | undefined): Promise<Outcome[]> {
    const node = this.o.view.nodes.get(holder);
    const port = node?.value.ports.lmtp;
    if (!node || !port) return recipients.map((address) => ({ address, ok: false, permanent: false, reply: `451 4.4.0 holder ${holder} unreachable` }));
    const raw = Buffer.concat([Buffer.from(returnPathHeader(from)), message]);
    return outcomesOf(`${holder} lmtp`, recipients, this.lmtpPool(holder, node.value.address, port).send(from, recipients, raw, queued));
  }

  /**
   * A pool of LMTP connections per holder address: connections (and their LHLO and AUTH) are
   * reused across hand-overs; each new one authenticates with fresh one-time peer credentials
   * addressed to the holder under its registration as the view knows it at that moment.
   */
  private lmtpPool(holder: string, host: string, port: number): LmtpPool {
    const key = `${holder}@${host}:${port}`;
    let pool = this.pools.get(key);
    if (!pool) {
      const { secret, nodeName } = this.o;
      pool = new LmtpPool({
        host,
        port,
        name: nodeName,
        credentials: () => peerCredentials(secret, nodeName, { node: holder, lease: this.o.view.nodes.get(holder)?.lease ?? '' }),
        tls: this.o.tls.clientOptions(holder),
        maxConnections: 8,
        // A healthy holder greets within milliseconds; a stalled one must not hold an SMTP client
        // (waiting for its 250 on the direct path) for long before the message is spooled instead.
        timeoutMs: this.o.lmtpTimeoutMs ?? 3000,
      });
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** Closes pooled connections (node shutdown). */
  close(): void {
    for (const t of this.pools.values()) t.close();
    this.pools.clear();
  }
}
