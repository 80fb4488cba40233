/**
 * A remote MX played by a local smtp-server: records what it receives and answers per recipient
 * as the test scripts it (accept, a temporary failure for the first N attempts, or a permanent one).
 */
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export interface SinkMessage { from: string; to: string[]; raw: string }
export type Behaviour = { kind: 'accept' } | { kind: 'tempfail'; times: number } | { kind: 'reject' } | { kind: 'always-tempfail' };

export class SmtpSink {
  readonly messages: SinkMessage[] = [];
  readonly attempts = new Map<string, number>();
  private readonly behaviour = new Map<string, Behaviour>();
  private server: SMTPServer;
  port = 0;

  constructor() {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo: (addr, _s, cb) => {
        const n = (this.attempts.get(addr.address) ?? 0) + 1;
        this.attempts.set(addr.address, n);
        const b = this.behaviour.get(addr.address) ?? { kind: 'accept' };
        const fail = (code: number, text: string): void => cb(Object.assign(new Error(text), { responseCode: code }));
        if (b.kind === 'reject') return fail(550, '5.1.1 no such user at the sink');
        if (b.kind === 'always-tempfail' || (b.kind === 'tempfail' && n <= b.times)) return fail(451, '4.3.0 try again later');
        cb();
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          this.messages.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          cb();
        });
      },
    });
  }

  on(address: string, b: Behaviour): this {
    this.behaviour.set(address, b);
    return this;
  }

  start(): Promise<number> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve((this.port = (this.server.server.address() as AddressInfo).port))));
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
