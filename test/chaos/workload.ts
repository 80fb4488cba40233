/**
 * The chaos workload: a few concurrent clients, each doing one operation at a time on a random
 * node (so some go to the holder and some through a proxy), recording every operation's
 * invocation, completion and result (see history.ts). Real clients: nodemailer for SMTP, imapflow
 * for IMAP, the transcript client for POP3. Every operation has a deadline; no answer by then is
 * `unknown`, never a failure or a success.
 */
import nodemailer from 'nodemailer';
import { ImapFlow } from 'imapflow';
import { Pop3Client, payload } from '../harness/pop3.ts';
import type { Op, OpKind } from './history.ts';
import { chaosMessage, idOf } from './message.ts';
import type { Rng } from './rng.ts';

export interface NodePorts { name: string; smtp: number; imap: number; pop3: number }

export interface WorkloadOptions {
  rng: Rng;
  nodes: () => NodePorts[];
  hot: string[];
  cold: string[];
  password: string;
  workers: number;
  maxOps: number;
  opTimeoutMs: number;
  /** Prefix of the message ids (the seed, so runs never share ids). */
  idPrefix: string;
}

const WEIGHTS: Record<OpKind, number> = { smtp: 5, append: 2, store: 1.5, expunge: 1, 'pop3-dele': 1 };

class Timeout extends Error {}

function deadline<T>(p: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => { t = setTimeout(() => { onTimeout(); reject(new Timeout(`no answer within ${ms} ms`)); }, ms); }),
  ]).finally(() => clearTimeout(t));
}

export class Workload {
  readonly ops: Op[] = [];
  private stopped = false;
  private seq = 0;
  private ids = 0;

  constructor(private readonly o: WorkloadOptions) {}

  /** Runs until stop() or maxOps; resolves when every client finished its last operation. */
  async run(): Promise<void> {
    await Promise.all(Array.from({ length: this.o.workers }, () => this.worker()));
  }

  stop(): void { this.stopped = true; }

  private async worker(): Promise<void> {
    const { rng } = this.o;
    while (!this.stopped && this.seq < this.o.maxOps) {
      const kind = rng.weighted(WEIGHTS);
      const hotShare = kind === 'smtp' ? 0.4 : 0.6;
      const account = rng.next() < hotShare ? rng.pick(this.o.hot) : rng.pick(this.o.cold);
      const node = rng.pick(this.o.nodes());
      const op = await this.one(kind, account, node);
      if (op) this.ops.push(op);
      await new Promise((r) => setTimeout(r, rng.int(20, 120)));
    }
  }

  private async one(kind: OpKind, account: string, node: NodePorts): Promise<Op | undefined> {
    const op: Op = { seq: ++this.seq, kind, account, node: node.name, start: Date.now(), end: 0, result: 'unknown' };
    let cleanup = (): void => undefined;
    try {
      const run = kind === 'smtp' ? this.smtp(op, node) : kind === 'pop3-dele' ? this.pop3(op, node, (c) => (cleanup = c)) : this.imap(op, node, (c) => (cleanup = c));
      const done = await deadline(run, this.o.opTimeoutMs, () => cleanup());
      if (!done) return undefined; // nothing to act on (empty mailbox): not an operation
    } catch (err) {
      op.error = (err as Error).message.slice(0, 200);
      const code = (err as { responseCode?: number }).responseCode;
      if (op.result === 'unknown' && typeof code === 'number' && code >= 400) op.result = 'fail';
    } finally {
      cleanup();
    }
    op.end = Date.now();
    return op;
  }

  private nextId(): string { return `${this.o.idPrefix}-${++this.ids}`; }

  private async smtp(op: Op, node: NodePorts): Promise<boolean> {
    op.msgId = this.nextId();
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: node.smtp, secure: false, ignoreTLS: true, name: 'chaos.test', connectionTimeout: this.o.opTimeoutMs, greetingTimeout: this.o.opTimeoutMs, socketTimeout: this.o.opTimeoutMs });
    try {
      const info = await t.sendMail({ envelope: { from: 'chaos@remote.test', to: [op.account] }, raw: chaosMessage(op.msgId, op.account) });
      op.result = info.accepted.map(String).includes(op.account) ? 'ok' : 'fail';
      return true;
    } finally {
      t.close();
    }
  }

  private async imap(op: Op, node: NodePorts, setCleanup: (c: () => void) => void): Promise<boolean> {
    const f = new ImapFlow({ host: '127.0.0.1', port: node.imap, secure: false, doSTARTTLS: false, auth: { user: op.account, pass: this.o.password }, logger: false, connectionTimeout: this.o.opTimeoutMs, greetingTimeout: this.o.opTimeoutMs, socketTimeout: this.o.opTimeoutMs });
    f.on('error', () => undefined);
    setCleanup(() => f.close());
    await f.connect();
    if (op.kind === 'append') {
      op.msgId = this.nextId();
      const r = await f.append('INBOX', chaosMessage(op.msgId, op.account));
      if (r) {
        op.result = 'ok';
        if (r.uid !== undefined) op.uid = r.uid;
        if (r.uidValidity !== undefined) op.uidValidity = Number(r.uidValidity);
      }
      await f.logout().catch(() => undefined);
      return true;
    }
    const box = await f.mailboxOpen('INBOX');
    op.uidValidity = Number(box.uidValidity);
    if (box.highestModseq !== undefined) op.highestModseq = String(box.highestModseq);
    const uids = (await f.search({ all: true }, { uid: true })) || [];
    if (uids.length === 0) {
      await f.logout().catch(() => undefined);
      return false;
    }
    const uid = this.o.rng.pick(uids);
    const msg = await f.fetchOne(String(uid), { uid: true, headers: ['x-chaos-id'] }, { uid: true });
    const id = msg && msg.headers ? idOf(msg.headers.toString('latin1')) : undefined;
    if (!id) {
      await f.logout().catch(() => undefined);
      return false;
    }
    op.msgId = id;
    op.uid = uid;
    if (op.kind === 'store') {
      op.flag = '\\Flagged';
      if (await f.messageFlagsAdd(String(uid), [op.flag], { uid: true })) op.result = 'ok';
    } else if (await f.messageDelete(String(uid), { uid: true })) {
      op.result = 'ok';
    }
    await f.logout().catch(() => undefined);
    return true;
  }

  private async pop3(op: Op, node: NodePorts, setCleanup: (c: () => void) => void): Promise<boolean> {
    const { client } = await Pop3Client.open(node.pop3);
    setCleanup(() => client.close());
    const login = await client.login(op.account, this.o.password);
    if (!login.startsWith('+OK')) return refused(op, login);
    const n = Number(/^\+OK (\d+) /.exec(await client.cmd('STAT'))?.[1] ?? 0);
    if (n === 0) {
      await client.cmd('QUIT').catch(() => undefined);
      return false;
    }
    const i = this.o.rng.int(1, n);
    const retr = await client.multi(`RETR ${i}`);
    if (!retr.startsWith('+OK')) return refused(op, retr);
    op.msgId = idOf(payload(retr));
    const dele = await client.cmd(`DELE ${i}`);
    if (!dele.startsWith('+OK')) return refused(op, dele);
    const quit = await client.cmd('QUIT');
    op.result = quit.startsWith('+OK') ? 'ok' : 'fail';
    if (op.result === 'fail') op.error = quit.trim();
    return true;
  }
}

function refused(op: Op, reply: string): boolean {
  op.result = 'fail';
  op.error = reply.trim().slice(0, 200);
  return true;
}
