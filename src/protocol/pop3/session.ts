/**
 * One POP3 session (RFC 1939 §3): lines in, replies out through Pop3Io. Commands run one at a time
 * in arrival order (the connection queues pipelined ones, RFC 2449 PIPELINING). State is a
 * discriminated union (style habit 4): a maildrop exists only in TRANSACTION.
 *
 *   AUTHORIZATION --USER/PASS, AUTH--> TRANSACTION --QUIT--> UPDATE --> closed
 *
 * The dispatcher parses, checks the state and the argument count, then the command module runs;
 * errors become `-ERR` in one place (errors.ts). Syntax errors, unknown commands, commands in the
 * wrong state, overlong lines and failed logins count as bad commands; at `maxBadCommands` the
 * session signs off. A session that ends any way other than QUIT in TRANSACTION changes nothing
 * (RFC 1939 §6: no UPDATE state, nothing deleted).
 */
import { parseCommand } from './parser.ts';
import { err, SIGN_OFF, type RespCode } from './response.ts';
import { toPop3Error } from './errors.ts';
import type { Pop3Hooks, Pop3Maildrop, Pop3Route } from './hooks.ts';
import { COMMANDS } from './commands/index.ts';

export type Pop3State =
  | { kind: 'authorization'; user?: string }
  | { kind: 'transaction'; drop: Pop3Maildrop; deleted: Set<number>; retrieved: Set<number> }
  | { kind: 'update'; drop: Pop3Maildrop }
  | { kind: 'closed' };
export type StateKind = Pop3State['kind'];

export interface Pop3Io {
  write(data: Buffer): void;
  readonly secure: boolean;
  /** Upgrades to TLS; called after the `+OK` to STLS is written. Undefined = no TLS here. */
  startTls?: () => Promise<void>;
  /**
   * Hands the connection to the holder at `route` (the connection splices), logging in there for
   * `account`; resolves once the holder's `+OK` was relayed to the client. Rejects with code
   * HOLDER_UNREACHABLE (the session stays in AUTHORIZATION here) or another error.
   */
  proxy(route: Extract<Pop3Route, { kind: 'proxy' }>, account: string): Promise<void>;
  /** Longest line accepted from now on (SASL responses may exceed the 255-octet command limit). */
  setMaxLine(octets: number): void;
  close(): void;
  log(level: 'info' | 'warn' | 'error', fields: Record<string, unknown>, msg: string): void;
}

export interface Pop3SessionOptions {
  hooks: Pop3Hooks;
  /** Allow USER/PASS and AUTH PLAIN on an unencrypted connection (before STLS). */
  allowPlaintextAuth: boolean;
  /** Recognises cluster-peer credentials, allowed in plaintext (one-time tokens). */
  isPeerPassword?: (password: string) => boolean;
  maxBadCommands: number;
  /** Longest command line, CRLF included (RFC 2449 §4: 255). */
  maxLineLength: number;
  /** The client's address (clientAddress), handed to hooks.authenticate for its penalties. */
  clientAddress?: string;
  /**
   * The cluster node this connection came from over the internal peer port (its certificate
   * verified), handed to hooks.authenticate: only a peer login from that node is accepted then.
   */
  linkPeer?: string;
  /** Failed logins after which the session is ended with `-ERR [AUTH]` (default: unlimited). */
  maxLoginFailures?: number;
}

/** A pending SASL exchange: the next line goes to `onLine` instead of the parser. */
type Waiting = (line: string) => Promise<Buffer | undefined>;

export class Pop3Session {
  state: Pop3State = { kind: 'authorization' };
  private badCommands = 0;
  /** Failed logins so far (commands/auth.ts signs off at `maxLoginFailures`). */
  loginFailures = 0;
  private waiting: Waiting | undefined;
  private busy = false;
  private endReason: { text: string; code?: RespCode } | undefined;

  constructor(readonly io: Pop3Io, readonly o: Pop3SessionOptions) {}

  /** The logged-in account (TRANSACTION or UPDATE), else undefined. */
  get account(): string | undefined {
    return this.state.kind === 'transaction' || this.state.kind === 'update' ? this.state.drop.account : undefined;
  }

  send(data: Buffer): void {
    if (this.state.kind !== 'closed') this.io.write(data);
  }

  /** Handles one line. Never throws. */
  async handle(line: Buffer): Promise<void> {
    if (this.state.kind === 'closed') return;
    this.busy = true;
    try {
      const reply = await this.dispatch(line.toString('latin1'));
      if (reply) this.send(reply);
    } catch (e) {
      const { error, internal } = toPop3Error(e);
      if (internal) this.io.log('error', { err: e }, 'pop3 command failed');
      this.send(err(error.message, error.code));
      if (error.bad) this.countBad();
    } finally {
      this.busy = false;
    }
    if (this.endReason && (this.state as Pop3State).kind !== 'closed') this.signOff(err(`${this.endReason.text}; ${SIGN_OFF}`, this.endReason.code));
  }

  private async dispatch(text: string): Promise<Buffer | undefined> {
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      this.io.setMaxLine(this.o.maxLineLength);
      return waiting(text);
    }
    const parsed = parseCommand(text);
    if (!parsed.ok) return this.bad(parsed.message);
    const { verb, args } = parsed.command;
    const spec = COMMANDS.get(verb);
    if (!spec) return this.bad(`unknown command ${verb}`);
    if (!spec.states.includes(this.state.kind)) return this.bad(`${verb} is not allowed ${this.state.kind === 'authorization' ? 'before login' : 'after login'}`);
    if (args.length < spec.args[0] || args.length > spec.args[1]) return this.bad(`wrong number of arguments to ${verb}`);
    return spec.run(this, parsed.command);
  }

  private bad(message: string): Buffer | undefined {
    this.send(err(message));
    this.countBad();
    return undefined;
  }

  /** The reader dropped a line longer than `limit` octets: `-ERR`, and it counts as a bad command. */
  lineTooLong(limit: number): void {
    if (this.state.kind === 'closed') return;
    if (this.waiting) {
      this.waiting = undefined; // an overlong SASL response cancels the exchange
      this.io.setMaxLine(this.o.maxLineLength);
    }
    this.send(err(`line too long (at most ${limit} octets)`));
    this.countBad();
  }

  /** Counts one bad command; at the limit the session signs off. */
  countBad(): void {
    if (++this.badCommands >= this.o.maxBadCommands && this.state.kind !== 'closed') this.signOff(err(`too many bad commands; ${SIGN_OFF}`));
  }

  /** The next line is a SASL response for `onLine` (up to `maxLine` octets). */
  expectLine(maxLine: number, onLine: Waiting): void {
    this.waiting = onLine;
    this.io.setMaxLine(maxLine);
  }

  /** TRANSACTION begins with the maildrop snapshot. */
  enterTransaction(drop: Pop3Maildrop): void {
    this.state = { kind: 'transaction', drop, deleted: new Set(), retrieved: new Set() };
  }

  /** Writes the last reply, drops the maildrop without changes (unless UPDATE did them) and closes. */
  signOff(last: Buffer): void {
    if (this.state.kind === 'closed') return;
    const s = this.state;
    this.send(last);
    this.state = { kind: 'closed' };
    if (s.kind === 'transaction' || s.kind === 'update') void s.drop.close().catch(() => undefined);
    this.io.close();
  }

  /**
   * Ends the session from outside (drain, move, self-fencing, shutdown, autologout): `-ERR` with the
   * reason, now or right after the command under way; nothing is deleted.
   */
  terminate(text: string, code?: RespCode): void {
    if (this.state.kind === 'closed') return;
    this.endReason = { text, ...(code ? { code } : {}) };
    if (!this.busy) this.signOff(err(`${text}; ${SIGN_OFF}`, code));
  }

  /** The connection is gone: release the maildrop without changes. */
  dropped(): void {
    const s = this.state;
    this.state = { kind: 'closed' };
    if (s.kind === 'transaction' || s.kind === 'update') void s.drop.close().catch(() => undefined);
  }

  /** After a successful proxy hand-off: this session no longer speaks. */
  handedOff(): void {
    this.state = { kind: 'closed' };
  }
}
