/**
 * One IMAP session: framed commands in (from CommandReader), responses out through SessionIo.
 * Commands run one at a time in arrival order. State is a discriminated union (style habit 4):
 * a selected mailbox cannot exist before login. The dispatcher checks state, then the command
 * module runs; errors are mapped to replies in one place (errors.ts).
 *
 * Untagged updates: the account's change notifications mark the session dirty; after each
 * command (before its tagged reply) a dirty selected session syncs, with expunges held back
 * during FETCH, STORE and SEARCH (RFC 3501 §7.4.1). NOOP and CHECK always sync. Search contexts
 * (search-context.ts) are refreshed after every sync, once the mailbox's own updates are out.
 */
import { parseAuthenticateResponse, parseIdleDone, tryParseCommand } from '../parser.ts';
import type { RawCommand } from '../reader.ts';
import { taggedResponse, untaggedStatus, type ResponseCode } from '../response.ts';
import type { Command } from '../types.ts';
import { COMMANDS } from './commands/index.ts';
import { capabilities } from './commands/general.ts';
import { isRev2 } from './commands/rev2.ts';
import { toImapError, type ImapError } from './errors.ts';
import type { ImapAccount, ImapHooks, LoginRoute } from './hooks.ts';
import type { MailboxView } from './mailbox-view.ts';
import { SearchContexts } from './search-context.ts';
import type { Notifier } from './notify.ts';

export type SessionState =
  | { kind: 'not-authenticated' }
  | { kind: 'authenticated'; account: ImapAccount }
  | { kind: 'selected'; account: ImapAccount; mailbox: MailboxView }
  | { kind: 'logout' };
export type StateKind = SessionState['kind'];

export interface SessionIo {
  write(data: Buffer): void;
  readonly secure: boolean;
  /** Upgrades to TLS; called after the tagged OK to STARTTLS is written. Undefined = no TLS here. */
  startTls?: () => Promise<void>;
  /** Hands the connection to the holder at `route` with the client's tag (the server splices). */
  proxy(route: Extract<LoginRoute, { kind: 'proxy' }>, tag: string, account: string): Promise<void>;
  close(): void;
  log(level: 'info' | 'warn' | 'error', fields: Record<string, unknown>, msg: string): void;
}

export interface SessionOptions {
  hooks: ImapHooks;
  /** Allow LOGIN / AUTHENTICATE with user passwords on an unencrypted connection. */
  allowPlaintextAuth: boolean;
  /** Recognises cluster-peer credentials, allowed in plaintext (one-time tokens). */
  isPeerPassword?: (password: string) => boolean;
  maxBadCommands: number;
  serverName: string;
  /** The client's address (clientAddress), handed to hooks.authenticate for its penalties. */
  clientAddress?: string;
  /**
   * The cluster node this connection came from over the internal peer port (its certificate
   * verified), handed to hooks.authenticate: only a peer login from that node is accepted then.
   */
  linkPeer?: string;
  /** Failed logins after which the session is ended with `* BYE` (default: unlimited). */
  maxLoginFailures?: number;
  /** Largest message APPEND may build from CATENATE parts (RFC 4469 TOOBIG); default: unlimited. */
  maxMessageSize?: number;
}

/** What a command handler returns: the tagged OK's text and code. */
export interface Done { text?: string; code?: ResponseCode }
/** A pending continuation: the next raw line goes to `onLine` instead of the parser. */
interface Waiting { tag: string; onLine: (raw: RawCommand) => Promise<Done | undefined> }

export class ImapSession {
  state: SessionState = { kind: 'not-authenticated' };
  dirty = false;
  /** Extensions this session turned on (ENABLE, or a CONDSTORE-enabling command): commands/condstore.ts. */
  readonly enabled = new Set<string>();
  /** Live SEARCH / SORT results (RETURN (UPDATE), RFC 5267 §4), refreshed after each sync. */
  readonly contexts = new SearchContexts();
  /** The NOTIFY request (RFC 5465, notify.ts); undefined until the first NOTIFY: RFC 3501's updates. */
  notifier: Notifier | undefined;
  private badCommands = 0;
  /** Failed logins so far (commands/auth.ts ends the session at `maxLoginFailures`). */
  loginFailures = 0;
  private waiting: Waiting | undefined;
  private unsubscribe: (() => void) | undefined;
  private opened: ImapAccount | undefined;
  /** Called when the account changes while the session waits in IDLE. */
  idleWake: (() => void) | undefined;

  constructor(readonly io: SessionIo, readonly o: SessionOptions) {}

  send(data: Buffer | Buffer[]): void {
    for (const b of Array.isArray(data) ? data : [data]) this.io.write(b);
  }

  get account(): ImapAccount | undefined {
    return this.state.kind === 'authenticated' || this.state.kind === 'selected' ? this.state.account : undefined;
  }

  get mailbox(): MailboxView | undefined {
    return this.state.kind === 'selected' ? this.state.mailbox : undefined;
  }

  /** `* OK [CAPABILITY …]`: the same list CAPABILITY sends in this state (general.ts). */
  greeting(): Buffer {
    return untaggedStatus('OK', 'mailcluster IMAP ready', { code: 'CAPABILITY', capabilities: capabilities(this) });
  }

  /** Enters the authenticated state with `account` (after LOGIN / AUTHENTICATE succeeded locally). */
  authenticated(account: ImapAccount): void {
    this.state = { kind: 'authenticated', account };
    this.opened = account;
    this.unsubscribe = account.onChange((change) => {
      this.notifier?.onChange(change); // other mailboxes, and mailbox names, for NOTIFY
      const mb = this.mailbox;
      if (!mb || change.folder !== mb.name) return; // only the selected mailbox is reported
      if (change.flags) mb.queueFlags(change.flags);
      if (change.expunged) mb.queueExpunged(change.expunged);
      if (!change.flags && !change.expunged) this.dirty = true; // new messages or unknown: reread
      if (!this.notifier || this.notifier.wantsSelected) this.idleWake?.();
    });
  }

  /** Waits for the next line (SASL response, IDLE's DONE) instead of parsing a command. */
  expectLine(tag: string, onLine: Waiting['onLine']): void {
    this.waiting = { tag, onLine };
  }

  /** Handles one framed command (or continuation line). Never throws. */
  async handle(raw: RawCommand): Promise<void> {
    if (this.state.kind === 'logout') return;
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      await this.finish(waiting.tag, () => waiting.onLine(raw), undefined);
      return;
    }
    const parsed = tryParseCommand(raw, { utf8: isRev2(this) }); // rev2: UTF-8 mailbox names (rev2.ts)
    if (!parsed.ok && parsed.error.code === 'MAILBOX_ENCODING' && parsed.error.command && parsed.error.tag) {
      return this.badMailboxName(parsed.error.tag, parsed.error.command);
    }
    if (!parsed.ok) {
      const tag = parsed.error.tag ?? '*';
      this.send(taggedOrUntagged(tag, 'BAD', parsed.error.message));
      this.countBad();
      return;
    }
    const cmd = parsed.command;
    const spec = COMMANDS.get(cmd.name);
    if (!spec) {
      this.send(taggedResponse(cmd.tag, 'BAD', `${cmd.name} is not supported`));
      this.countBad();
      return;
    }
    if (!spec.states.includes(this.state.kind)) {
      this.send(taggedResponse(cmd.tag, 'BAD', `${cmd.name} is not allowed ${STATE_TEXT[this.state.kind]}`));
      this.countBad();
      return;
    }
    await this.finish(cmd.tag, () => spec.run(this, cmd as never), cmd);
  }

  /**
   * A well-formed command naming a mailbox that is not valid modified UTF-7 (RFC 3501 §5.1.3):
   * no such mailbox can exist, so LIST and LSUB match nothing (OK) and every other command is NO,
   * as Dovecot answers. BAD would tell the client its command was malformed, which it was not.
   */
  private badMailboxName(tag: string, name: string): void {
    const spec = COMMANDS.get(name);
    if (spec && !spec.states.includes(this.state.kind)) {
      this.send(taggedResponse(tag, 'BAD', `${name} is not allowed ${STATE_TEXT[this.state.kind]}`));
      this.countBad();
    } else if (name === 'LIST' || name === 'LSUB') this.send(taggedResponse(tag, 'OK', `${name} completed`));
    else this.send(taggedResponse(tag, 'NO', 'mailbox name is not valid modified UTF-7'));
  }

  /** Runs a handler, syncs the mailbox if needed, writes the tagged reply or the mapped error. */
  private async finish(tag: string, run: () => Promise<Done | undefined>, cmd: Command | undefined): Promise<void> {
    try {
      const done = await run();
      if (done === undefined) return; // the handler continues later (IDLE, AUTHENTICATE, proxied login)
      if (this.mailbox) await this.syncMailbox(!(cmd && HOLD_EXPUNGES.has(cmd.name)), cmd?.name === 'NOOP' || cmd?.name === 'CHECK');
      else this.contexts.clear(); // contexts end with the mailbox (CLOSE, UNSELECT)
      if (this.state.kind === 'logout') return;
      this.send(taggedResponse(tag, 'OK', done.text ?? `${cmd?.name ?? 'command'} completed`, done.code));
    } catch (err) {
      const { error, internal } = toImapError(err);
      if (internal) this.io.log('error', { err, command: cmd?.name }, 'imap command failed');
      this.send(replyFor(tag, error));
      if (error.status === 'BAD') this.countBad();
    }
  }

  /**
   * Sends the untagged updates the client is owed: changes other sessions announced (applied
   * from the notification, no store access), and a reread of the folder when new messages came
   * or the change is unknown — or, for NOOP/CHECK, when the last reread is older than RESCAN_MS
   * (a safety net for changes made outside this process).
   */
  async syncMailbox(allowExpunge: boolean, poll = false): Promise<void> {
    const mb = this.mailbox;
    if (!mb) return;
    if (this.dirty || (poll && Date.now() - mb.syncedAt > RESCAN_MS)) {
      this.dirty = false;
      let updates: Buffer[];
      const lastUid = mb.uids[mb.uids.length - 1] ?? 0;
      try {
        updates = await mb.sync(allowExpunge);
      } catch (err) {
        // Another session deleted or renamed the selected mailbox. The client cannot be moved out
        // of the selected state unasked, so the session ends, as Dovecot and Cyrus do.
        if ((err as { code?: unknown }).code !== 'NO_SUCH_MAILBOX') throw err;
        return this.bye('the selected mailbox was deleted or renamed by another session');
      }
      this.send(updates);
      await this.notifier?.afterSync(mb, lastUid);
    } else if (mb.hasPending) this.send(mb.flushPending(allowExpunge));
    if (this.contexts.size && this.mailbox === mb) this.send(await this.contexts.refresh(mb));
  }

  /** Counts one BAD reply (also those the transport sends for dropped lines); at the limit: BYE. */
  countBad(): void {
    if (++this.badCommands < this.o.maxBadCommands) return;
    this.bye('too many bad commands');
  }

  /** Ends the session: `* BYE reason`, then the connection closes. */
  bye(reason: string): void {
    if (this.state.kind === 'logout') return;
    this.io.log('info', { account: this.account?.name, reason }, 'imap session ended by the server');
    this.send(untaggedStatus('BYE', reason));
    this.logout();
    this.io.close();
  }

  logout(): void {
    this.state = { kind: 'logout' };
    this.release();
  }

  /** Drops the account (session end, or before handing the connection to a proxy); idempotent. */
  release(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.idleWake = undefined;
    const a = this.opened;
    this.opened = undefined;
    void a?.close().catch(() => undefined);
  }

  /** For IDLE: true while waiting for DONE. */
  get idling(): boolean { return this.idleWake !== undefined; }
}

const HOLD_EXPUNGES = new Set(['FETCH', 'STORE', 'SEARCH', 'SORT', 'THREAD']);
const RESCAN_MS = 2000;
const STATE_TEXT: Record<StateKind, string> = {
  'not-authenticated': 'before login',
  authenticated: 'without a selected mailbox',
  selected: 'with a mailbox selected',
  logout: 'after logout',
};

function taggedOrUntagged(tag: string, status: 'BAD', text: string): Buffer {
  return tag === '*' ? untaggedStatus(status, text) : taggedResponse(tag, status, text);
}

function replyFor(tag: string, e: ImapError): Buffer {
  const code: ResponseCode | undefined = e.detail ?? (e.code === 'BADCHARSET' ? { code: 'BADCHARSET', charsets: ['UTF-8', 'US-ASCII'] } : e.code && e.code !== 'BADURL' ? { code: e.code } : undefined);
  return taggedResponse(tag, e.status, e.message, code);
}

export { parseAuthenticateResponse, parseIdleDone };
