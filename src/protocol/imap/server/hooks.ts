/**
 * What the IMAP protocol core needs from the rest of the system (style habit 1): authentication,
 * where a session runs, and one account's mailboxes. The worker implements it over the MailStore,
 * the account directory and the cluster; protocol tests implement it over the memory store.
 * Every method may reject; a rejection carrying `code` (see errors.ts) maps to a precise reply.
 */
import type { LoginClient } from '../../login-client.ts';

export type FlagMode = 'add' | 'remove' | 'replace';

export interface ImapMessage {
  readonly uid: number;
  readonly flags: ReadonlySet<string>;
  readonly size: number;
  readonly internalDate: Date;
  readonly recent: boolean;
  /** RFC 7162 mod-sequence of the message's last change (>= 1). */
  readonly modseq: number;
}

/** `highestModseq`: RFC 7162 HIGHESTMODSEQ, >= 1 and never lower than before (0 = NOMODSEQ). */
export interface ImapFolderStatus { uidValidity: number; uidNext: number; messages: number; unseen: number; recent: number; highestModseq: number }

/** A message's flags after a change (modseq included); `modified`: UNCHANGEDSINCE refused it. */
export interface ImapFlagUpdate { readonly uid: number; readonly flags: ReadonlySet<string>; readonly modseq?: number; readonly modified?: true }

/**
 * What changed in a folder, as precise as the changer knows: flag updates and expunged UIDs let
 * other sessions update their view without rereading the folder; `added` (or nothing) means
 * "reread it" (new messages, or an unknown change).
 */
export interface MailboxChange {
  folder: string;
  flags?: ReadonlyArray<ImapFlagUpdate>;
  expunged?: readonly number[];
  added?: boolean;
  /** A change to the mailbox itself (NOTIFY's MailboxName / SubscriptionChange, RFC 5465 §5.4, §5.5); `to`: a rename's new name. */
  mailbox?: { kind: 'created' | 'deleted' | 'renamed' | 'subscribed' | 'unsubscribed'; to?: string };
}

export interface ImapQuota { usedBytes: number; limitBytes: number; messages: number }

/** One authenticated user's account, for the life of one session (close() when it ends). */
export interface ImapAccount {
  readonly name: string;
  listFolders(): Promise<string[]>;
  specialUse(folder: string): string | undefined;
  createFolder(name: string): Promise<void>;
  deleteFolder(name: string): Promise<void>;
  renameFolder(from: string, to: string): Promise<void>;
  status(folder: string): Promise<ImapFolderStatus>;
  listMessages(folder: string): Promise<ImapMessage[]>;
  readMessage(folder: string, uid: number): Promise<Buffer>;
  appendMessage(folder: string, data: Buffer, flags: string[], date?: Date): Promise<{ uid: number; uidValidity: number }>;
  /** Several messages in one commit: all durable, consecutive UIDs, or (rejected) none stored. */
  appendMessages(folder: string, messages: ReadonlyArray<{ data: Buffer; flags: string[]; date?: Date }>): Promise<{ uids: readonly number[]; uidValidity: number }>;
  /** `unchangedSince`: RFC 7162 §3.1.3, checked by the store atomically with the change. */
  setFlags(folder: string, uids: number[], flags: string[], mode: FlagMode, unchangedSince?: number): Promise<ImapFlagUpdate[]>;
  /** UIDs expunged after modseq `since` (ascending ranges; possibly a superset, RFC 7162 §3.2.5.1). */
  vanished(folder: string, since: number): Promise<Array<{ from: number; to: number }>>;
  expunge(folder: string, uids?: number[]): Promise<number[]>;
  copyMessages(from: string, uids: number[], to: string): Promise<{ uidValidity: number; uids: ReadonlyMap<number, number> }>;
  moveMessages(from: string, uids: number[], to: string): Promise<{ uidValidity: number; uids: ReadonlyMap<number, number> }>;
  subscriptions(): Promise<string[]>;
  setSubscribed(folder: string, subscribed: boolean): Promise<void>;
  quota(): Promise<ImapQuota>;
  /**
   * Of `uids` (messages the store reports recent in `folder`), those this session is the first to
   * be told of: `\Recent` belongs to one session only (RFC 3501 §2.3.2). Later callers get none.
   * `peek` (EXAMINE, §6.3.2): report them without taking them from other sessions.
   */
  claimRecent(folder: string, uids: readonly number[], peek?: boolean): ReadonlySet<number>;
  /** Calls `listener` after any change to the account by another session or a delivery. */
  onChange(listener: (change: MailboxChange) => void): () => void;
  /** Announces a change this session made, so the account's other sessions learn of it now. */
  changed(change: MailboxChange): void;
  close(): Promise<void>;
}

/** A proxy route names the holder's address and who it is (node name and registration), to whom the backend login is addressed. */
export type LoginRoute = { kind: 'local' } | { kind: 'proxy'; host: string; port: number; node: string; lease: string } | { kind: 'unavailable'; reason: string };

export interface ImapHooks {
  /**
   * The normalised account name when the credentials are right, else undefined. Rejects when they
   * cannot be checked now (the account directory is unreachable): a temporary failure, never a
   * wrong password. `client.address` (the clientAddress of the connection) keys authentication
   * penalties; a rejection with code `AUTH_THROTTLED` means too many recent failures: a
   * temporary refusal, no password was checked. `client.linkPeer`: the connection is a cluster
   * node's proxied session (see the session's `linkPeer`).
   */
  authenticate(user: string, password: string, client?: LoginClient): Promise<string | undefined>;
  /** Where the session for `account` runs: here, proxied to the holder, or not now. */
  route(account: string): Promise<LoginRoute>;
  openAccount(account: string): Promise<ImapAccount>;
}
