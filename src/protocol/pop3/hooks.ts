/**
 * What the POP3 protocol core needs from the rest of the system (style habit 1): authentication,
 * where a session runs, and one account's maildrop (its INBOX). The worker implements it over the
 * MailStore and the cluster; protocol tests over the memory store. Every method may reject; a
 * rejection carrying `code` (errors.ts) maps to a precise `-ERR`.
 */
import type { LoginClient } from '../login-client.ts';

export interface Pop3Message {
  /** Unique-id listing (RFC 1939 §7 UIDL): stable across sessions, nodes and restarts. */
  readonly uidl: string;
  /** Octets of the wire form (response.ts wireForm): CRLF line ends, before byte-stuffing. */
  readonly size: number;
}

/** The INBOX as it was at login (RFC 1939 §8: later deliveries are not shown), for one session. */
export interface Pop3Maildrop {
  readonly account: string;
  /** Message n is messages[n - 1]. */
  readonly messages: readonly Pop3Message[];
  /** The stored bytes of messages[index]; NO_SUCH_MESSAGE if another session expunged it. */
  read(index: number): Promise<Buffer>;
  /**
   * The UPDATE state (RFC 1939 §6): marks `seen` \Seen, removes `deleted` (indexes into messages).
   * Resolves only once the removal is durable on disk; rejects when it is not (then the session
   * answers `-ERR` and the messages may or may not be gone: RFC 1939 §6 allows that).
   */
  commit(update: { deleted: readonly number[]; seen: readonly number[] }): Promise<void>;
  /** Ends the session's use of the account (no changes); idempotent. */
  close(): Promise<void>;
}

/** A proxy route names the holder's address and who it is (node name and registration), to whom the backend login is addressed. */
export type Pop3Route = { kind: 'local' } | { kind: 'proxy'; host: string; port: number; node: string; lease: string } | { kind: 'unavailable'; reason: string };

export interface Pop3Hooks {
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
  route(account: string): Promise<Pop3Route>;
  /** Takes the maildrop snapshot (TRANSACTION state begins). */
  openMaildrop(account: string): Promise<Pop3Maildrop>;
}
