/**
 * Routes one message to its local recipients' holders (design §4.1, §7): for each recipient, find
 * or obtain the holder (LockClient); deliver locally when it is this node, else hand the message
 * to the holder over LMTP — one LMTP transaction per holder, with a reply per recipient.
 *
 * Contract: resolves with one outcome per recipient; never throws for a single recipient's
 * failure. `temporary` outcomes stay queued and are retried; `permanent` ones bounce.
 */
import nodemailer from 'nodemailer';
import type { Logger } from '../../src/log/logger.ts';
import type { LockClient } from '../../src/cluster/lock-client.ts';
import type { ClusterView } from '../../src/cluster/view.ts';
import { returnPathHeader } from '../../src/util/mail-headers.ts';
import type { AccountHolds } from '../holds.ts';
import { peerCredentials } from '../lmtp/peer-auth.ts';
import { DeliveryError, type LocalDelivery } from './local.ts';

export type Outcome = { address: string; ok: true } | { address: string; ok: false; permanent: boolean; reply: string };

export interface RouterOptions {
  nodeName: string;
  secret: string;
  locks: LockClient;
  holds: AccountHolds;
  view: ClusterView;
  local: LocalDelivery;
  log: Logger;
  lmtpTimeoutMs?: number;
}

export class Router {
  constructor(private readonly o: RouterOptions) {}

  async route(from: string, recipients: string[], message: Buffer): Promise<Outcome[]> {
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
          outcomes.push({ address, ok: false, permanent: false, reply: `451 4.3.0 cannot open account: ${(err as Error).message}` });
        }
      }),
    );
    await Promise.all(
      [...byHolder].map(async ([holder, list]) => {
        if (holder === this.o.nodeName) outcomes.push(...(await this.deliverHere(from, list, message)));
        else outcomes.push(...(await this.deliverRemote(holder, from, list.map((r) => r.address), message)));
      }),
    );
    return outcomes;
  }

  /** Delivers to accounts this node holds (waiting briefly for its watch to confirm the grant). */
  async deliverHere(from: string, list: Array<{ address: string; token: string }>, message: Buffer, addReturnPath = true): Promise<Outcome[]> {
    const withPath = addReturnPath ? Buffer.concat([Buffer.from(returnPathHeader(from)), message]) : message;
    return Promise.all(
      list.map(async ({ address, token }): Promise<Outcome> => {
        try {
          await this.o.holds.waitHeld(address, token, 5000);
          await this.o.local.deliver(address, this.o.holds.assertServing(address), withPath);
          return { address, ok: true };
        } catch (err) {
          if (err instanceof DeliveryError) return { address, ok: false, permanent: err.permanent, reply: err.reply };
          this.o.log.warn({ err, account: address }, 'local delivery failed');
          return { address, ok: false, permanent: false, reply: `451 4.3.0 local delivery failed: ${(err as Error).message}` };
        }
      }),
    );
  }

  private async deliverRemote(holder: string, from: string, recipients: string[], message: Buffer): Promise<Outcome[]> {
    const node = this.o.view.nodes.get(holder);
    const port = node?.value.ports.lmtp;
    if (!node || !port) return recipients.map((address) => ({ address, ok: false, permanent: false, reply: `451 4.4.0 holder ${holder} unreachable` }));
    const transport = nodemailer.createTransport({
      lmtp: true,
      host: node.value.address,
      port,
      auth: peerCredentials(this.o.secret, this.o.nodeName),
      ignoreTLS: true,
      connectionTimeout: this.o.lmtpTimeoutMs ?? 10_000,
      socketTimeout: this.o.lmtpTimeoutMs ?? 30_000,
      name: this.o.nodeName,
    } as Parameters<typeof nodemailer.createTransport>[0]);
    try {
      const raw = Buffer.concat([Buffer.from(returnPathHeader(from)), message]);
      const info = (await transport.sendMail({ envelope: { from, to: recipients }, raw })) as {
        accepted: string[];
        rejected: string[];
        rejectedErrors?: Array<{ recipient: string; response: string; responseCode: number }>;
      };
      const errors = new Map((info.rejectedErrors ?? []).map((e) => [e.recipient, e]));
      return recipients.map((address): Outcome => {
        const e = errors.get(address);
        if (!e && info.accepted.includes(address)) return { address, ok: true };
        return { address, ok: false, permanent: (e?.responseCode ?? 451) >= 500, reply: e?.response ?? '451 4.4.0 no reply from holder' };
      });
    } catch (err) {
      const e = err as { responseCode?: number; response?: string; message: string; rejectedErrors?: Array<{ recipient: string; response: string; responseCode: number }> };
      if (e.rejectedErrors?.length) {
        const errors = new Map(e.rejectedErrors.map((r) => [r.recipient, r]));
        return recipients.map((address): Outcome => {
          const r = errors.get(address);
          return r ? { address, ok: false, permanent: r.responseCode >= 500, reply: r.response } : { address, ok: false, permanent: false, reply: '451 4.4.0 transaction failed' };
        });
      }
      this.o.log.warn({ err, holder }, 'lmtp handoff failed');
      const permanent = (e.responseCode ?? 451) >= 500;
      return recipients.map((address) => ({ address, ok: false, permanent, reply: e.response ?? `451 4.4.0 ${e.message}` }));
    } finally {
      transport.close();
    }
  }
}
