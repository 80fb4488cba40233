/**
 * One SMTP or LMTP transaction with nodemailer, turned into one Outcome per recipient.
 * 5xx replies are permanent, everything else (4xx, connection failures, timeouts) temporary.
 */
import nodemailer from 'nodemailer';

/**
 * `cluster`: the failure was the cluster's, not the message's or the holder's (the lock service or
 * etcd could not be reached, this node was not serving): the spool retries it as soon as the
 * cluster is back and does not count it toward the backoff (QueueRunner).
 */
export type Outcome = { address: string; ok: true } | { address: string; ok: false; permanent: boolean; reply: string; cluster?: true };

export interface TransactionTarget {
  host: string;
  port: number;
  /** The name for TLS (SNI) when `host` is an address looked up elsewhere. */
  servername?: string | undefined;
  lmtp?: boolean;
  auth?: { user: string; pass: string };
  /** Our name in EHLO/LHLO. */
  name: string;
  timeoutMs?: number;
}

interface Rejection { recipient: string; response: string; responseCode: number }

/** True when the failure is about the connection (try the next MX), not an SMTP answer. */
export function isConnectionFailure(o: Outcome[]): boolean {
  return o.every((x) => !x.ok && !x.permanent && x.reply.startsWith('451 4.4.1'));
}

export type Transport = ReturnType<typeof nodemailer.createTransport>;

export async function transact(t: TransactionTarget, from: string, recipients: string[], raw: Buffer): Promise<Outcome[]> {
  const transport = nodemailer.createTransport({
    lmtp: t.lmtp ?? false,
    host: t.host,
    port: t.port,
    servername: t.servername,
    name: t.name,
    auth: t.auth,
    ignoreTLS: t.lmtp ?? false,
    opportunisticTLS: !t.lmtp,
    tls: { rejectUnauthorized: false },
    connectionTimeout: t.timeoutMs ?? 10_000,
    greetingTimeout: t.timeoutMs ?? 10_000,
    socketTimeout: (t.timeoutMs ?? 10_000) * 3,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  try {
    return await transactWith(transport, `${t.host}:${t.port}`, from, recipients, raw);
  } finally {
    transport.close();
  }
}

/** One transaction over an existing (possibly pooled) transport. */
export function transactWith(transport: Transport, label: string, from: string, recipients: string[], raw: Buffer): Promise<Outcome[]> {
  return outcomesOf(label, recipients, transport.sendMail({ envelope: { from, to: recipients }, raw }) as Promise<unknown>);
}

/**
 * One outcome per recipient from a transaction's result: nodemailer's send info (`accepted`,
 * `rejectedErrors`) or its error (an SMTP answer with `responseCode`, or a connection failure).
 */
export async function outcomesOf(label: string, recipients: string[], sent: Promise<unknown>): Promise<Outcome[]> {
  try {
    const info = (await sent) as { accepted: string[]; rejectedErrors?: Rejection[] };
    const errors = new Map((info.rejectedErrors ?? []).map((e) => [e.recipient, e]));
    return recipients.map((address): Outcome => {
      const e = errors.get(address);
      if (!e && info.accepted.includes(address)) return { address, ok: true };
      return { address, ok: false, permanent: (e?.responseCode ?? 451) >= 500, reply: e?.response ?? '451 4.4.0 no reply for this recipient' };
    });
  } catch (err) {
    const e = err as { responseCode?: number; response?: string; message: string; code?: string; rejectedErrors?: Rejection[] };
    if (e.rejectedErrors?.length) {
      const errors = new Map(e.rejectedErrors.map((r) => [r.recipient, r]));
      return recipients.map((address): Outcome => {
        const r = errors.get(address);
        return r ? { address, ok: false, permanent: r.responseCode >= 500, reply: r.response } : { address, ok: false, permanent: false, reply: '451 4.4.0 transaction failed' };
      });
    }
    if (e.responseCode) return recipients.map((address) => ({ address, ok: false, permanent: e.responseCode! >= 500, reply: e.response ?? `${e.responseCode} ${e.message}` }));
    return recipients.map((address) => ({ address, ok: false, permanent: false, reply: `451 4.4.1 ${label}: ${e.code ?? e.message}` }));
  }
}
