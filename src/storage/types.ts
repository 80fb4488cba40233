/**
 * The storage interface protocol code plugs into (through worker hooks; src/protocol never imports it).
 * Storage-agnostic: folder names, UIDs and flag names, never paths.
 *
 * Folder names: IMAP names as Unicode strings (the protocol layer decodes modified UTF-7), hierarchy
 * separator `/` (HIERARCHY_SEPARATOR). `INBOX` is case-insensitive and always exists. Rules for
 * segments are in names.ts; a refused name throws MailboxNameError (code BAD_MAILBOX_NAME).
 *
 * Flags: system flags in IMAP spelling (`\Seen` `\Answered` `\Flagged` `\Deleted` `\Draft`), keywords as
 * IMAP atoms (`$Junk`, `NonJunk`). `\Recent` is never stored: it is reported as `recent`.
 *
 * Concurrency: one AccountStore per account per process, owned by the node holding the account open
 * (design §1: the holder is the only writer). Calls on one AccountStore are serialised internally, so
 * any number of sessions may share it. Every method may reject with StorageError, FencedError, or an
 * I/O error; a rejected mutation committed nothing visible unless its doc says otherwise.
 */
import type { AccountName } from '../util/account.ts';
import type { UidRange } from './modseq.ts';

export type { UidRange } from './modseq.ts';

export const INBOX = 'INBOX';
export const HIERARCHY_SEPARATOR = '/';
export const SYSTEM_FLAGS = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'] as const;
export type FlagMode = 'add' | 'remove' | 'replace';

export interface MessageInfo {
  readonly uid: number;
  readonly flags: ReadonlySet<string>;
  /** Bytes as stored and as readMessage returns them (RFC822.SIZE when stored with CRLF). */
  readonly size: number;
  /** The size with CRLF line ends, when the store knows it without reading the message (`,W=`). */
  readonly wireSize?: number;
  /** Whole seconds (IMAP INTERNALDATE; Dovecot's maildir keeps it as the file's mtime). */
  readonly internalDate: Date;
  /** First seen (appended, copied in, or delivered) while this AccountStore was open. */
  readonly recent: boolean;
  /** RFC 7162 mod-sequence of the message's last change (>= 1; contract in modseq.ts). */
  readonly modseq: number;
}

export interface FolderStatus {
  readonly uidValidity: number;
  readonly uidNext: number;
  readonly messages: number;
  readonly unseen: number;
  readonly recent: number;
  /** RFC 7162 HIGHESTMODSEQ: >= 1, never decreases, persisted with the folder. */
  readonly highestModseq: number;
}

/** One message after setFlags: its flags and modseq; `modified` when UNCHANGEDSINCE refused it. */
export interface FlagUpdate {
  readonly uid: number;
  readonly flags: ReadonlySet<string>;
  readonly modseq: number;
  readonly modified?: true;
}

export interface AppendResult {
  readonly uid: number;
  readonly uidValidity: number;
}

/** One message of appendMessages: its bytes, flags and INTERNALDATE (default: now). */
export interface AppendInput {
  readonly data: Buffer;
  readonly flags?: Iterable<string>;
  readonly internalDate?: Date;
}

/** The UIDs appendMessages gave, in input order (ascending). */
export interface AppendManyResult {
  readonly uidValidity: number;
  readonly uids: readonly number[];
}

/** For COPYUID / MOVE: destination UIDVALIDITY and source UID → destination UID, in source UID order. */
export interface CopyResult {
  readonly uidValidity: number;
  readonly uids: ReadonlyMap<number, number>;
}

/** RFC 9208 STORAGE and MESSAGE usage: every message in every folder of the account, as stored. */
export interface QuotaUsage {
  readonly bytes: number;
  readonly messages: number;
}

export interface OpenAccountOptions {
  /**
   * Fencing token of this node's grant (design §4.3). When set, the store checks the account's fence
   * file before every metadata commit (UID assignment, append, flag change, expunge, copy, move,
   * folder create/delete/rename) and fails with FencedError if a newer holder wrote its token.
   */
  readonly fenceToken?: bigint;
  /**
   * Called (after the fence check) right before each commit makes a change visible; throwing aborts
   * that commit with nothing visible, and the error propagates to the caller. Use it for self-fencing
   * (refuse once the lease keep-alive is overdue). Must be quick: it runs inside the account's queue.
   */
  readonly beforeCommit?: () => Promise<void>;
}

export interface MailStore {
  /** Opens (creating the INBOX if needed) an account by normalised name (parseAccount). */
  openAccount(account: AccountName, options?: OpenAccountOptions): Promise<AccountStore>;
}

export interface AccountStore {
  readonly account: AccountName;
  /** All existing folders, `INBOX` first, then sorted. Parents that do not exist are not listed. */
  listFolders(): Promise<string[]>;
  /** Creates the folder and any missing parents. MAILBOX_EXISTS if it exists. */
  createFolder(name: string): Promise<void>;
  /** Deletes the folder and its messages; child folders stay. CANNOT for INBOX. */
  deleteFolder(name: string): Promise<void>;
  /** Renames the folder and its children (UIDVALIDITY kept). INBOX: moves all its messages instead. */
  renameFolder(from: string, to: string): Promise<void>;
  status(folder: string): Promise<FolderStatus>;
  /** Messages in UID order, after picking up anything delivered since the last call. */
  listMessages(folder: string): Promise<MessageInfo[]>;
  /** NO_SUCH_MESSAGE if the UID is not (or no longer) in the folder. */
  readMessage(folder: string, uid: number): Promise<Buffer>;
  /** Resolves once the message and its UID are durable on disk. */
  appendMessage(folder: string, data: Buffer, flags?: Iterable<string>, internalDate?: Date): Promise<AppendResult>;
  /**
   * Stores several messages as one commit (MULTIAPPEND, RFC 3502): consecutive UIDs and one
   * modseq, all durable when it resolves; a rejection (bad flag, fence, I/O, full disk) leaves
   * none of them visible, now or after a reload. Not proof against a crash in mid-commit: a
   * crash between publishing the first and the last file may leave a prefix of them, as for
   * COPY (no reply was sent for them).
   */
  appendMessages(folder: string, messages: readonly AppendInput[]): Promise<AppendManyResult>;
  /**
   * Changes flags of the UIDs that exist (others are ignored); returns their new flags and modseqs
   * in UID order. Messages whose flags end up unchanged keep their modseq; the changed ones share
   * one new modseq. With `unchangedSince` (RFC 7162 §3.1.3, checked atomically with the change),
   * messages whose modseq is above it are not changed and come back with `modified: true`.
   */
  setFlags(folder: string, uids: readonly number[], flags: Iterable<string>, mode: FlagMode, unchangedSince?: number): Promise<FlagUpdate[]>;
  /**
   * UIDs expunged from the folder after modseq `since`, ascending ranges (QRESYNC, RFC 7162
   * §3.2.5.1). Exact while the store still remembers those expunges; otherwise every UID below
   * UIDNEXT that is not in the folder (a superset, as the RFC allows).
   */
  vanished(folder: string, since: number): Promise<UidRange[]>;
  /**
   * Removes messages for good and returns their UIDs, ascending. Without `uids`: every message flagged
   * `\Deleted` (IMAP EXPUNGE); with `uids`: exactly those that exist, whatever their flags (the caller
   * intersects with `\Deleted` for UID EXPUNGE).
   */
  expunge(folder: string, uids?: readonly number[]): Promise<number[]>;
  /** Copies the UIDs that exist, keeping flags and internal date. NO_SUCH_MAILBOX if `to` is missing. */
  copyMessages(from: string, uids: readonly number[], to: string): Promise<CopyResult>;
  /** As copyMessages, then the source messages are gone (no copy-then-expunge window on disk). */
  moveMessages(from: string, uids: readonly number[], to: string): Promise<CopyResult>;
  /**
   * Subscribed folder names (RFC 3501 §6.3.6–§6.3.9, LSUB), normalised, INBOX first then sorted.
   * Names need not exist: DELETE and RENAME leave subscriptions alone (RFC 3501 §6.3.6 forbids
   * removing a name unilaterally); the protocol layer decides whether RENAME carries them along.
   */
  listSubscriptions(): Promise<string[]>;
  /**
   * Adds or removes one name; idempotent (no write when nothing changes). BAD_MAILBOX_NAME for a
   * name the store refuses. A metadata commit: fenced like the others, durable on resolve.
   */
  setSubscribed(name: string, subscribed: boolean): Promise<void>;
  /**
   * Bytes and messages in use across all folders (quota usage; the limit is the caller's, see
   * quota.ts). Kept current by the store: cheap when nothing changed (maildir: two stats per
   * folder), and it takes in messages delivered behind the store's back.
   */
  quotaUsage(): Promise<QuotaUsage>;
  /** Waits for queued calls; later calls reject with CLOSED. */
  close(): Promise<void>;
}
