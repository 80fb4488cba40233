/**
 * What a chaos run records and what the checkers read: every client operation with its invocation
 * and completion time and its result, every nemesis event, and what was observed at the end.
 *
 * Results: `ok` = the server acknowledged (250, tagged OK, +OK after QUIT); `fail` = a definite
 * refusal (a 4xx/5xx reply, NO/BAD, -ERR); `unknown` = no answer (timeout, connection dropped):
 * the operation may or may not have taken effect.
 */
export type OpKind = 'smtp' | 'append' | 'store' | 'expunge' | 'pop3-dele';
export type OpResult = 'ok' | 'fail' | 'unknown';

export interface Op {
  seq: number;
  kind: OpKind;
  account: string;
  node: string;
  /** The chaos id of the message created (smtp, append) or acted on (store, expunge, pop3-dele). */
  msgId?: string;
  start: number;
  end: number;
  result: OpResult;
  error?: string;
  /** append: APPENDUID; store/expunge: the UID acted on. */
  uid?: number;
  /** UIDVALIDITY the client saw (SELECT or APPENDUID). */
  uidValidity?: number;
  /** HIGHESTMODSEQ the client saw at SELECT, when the server has CONDSTORE. */
  highestModseq?: string;
  /** store: the flag added. */
  flag?: string;
}

export interface NemesisEvent { at: number; until: number; action: string; target: string; detail?: string }

/** One message file found in an account's INBOX at the end. */
export interface StoredMessage { file: string; sub: 'new' | 'cur'; msgId: string | undefined; complete: boolean; flags: string; uid: number | undefined }

export interface AccountState {
  account: string;
  messages: StoredMessage[];
  /** Parsed dovecot-uidlist, or why it could not be. */
  uidList: { uidValidity: number; uids: number[] } | 'missing' | 'corrupt';
}

/** `account opened` … `account closed`/process exit, from one node's log. */
export interface Interval { node: string; account: string; token: string; from: number; until: number }

export interface FinalState {
  accounts: AccountState[];
  /** Spool entries left in queue/<node>/env after the drain window, per node. */
  queueLeft: Record<string, number>;
  /** How long the queues took to empty after healing (ms), or undefined if they did not within the window. */
  queueDrainMs: number | undefined;
}

export interface History { ops: Op[]; nemesis: NemesisEvent[]; intervals: Interval[]; final: FinalState }

export interface Violation { checker: string; account?: string; message: string }

/** The text that ends every chaos message body: a file without it is partial. */
export const BODY_END = '-- end of chaos message';
export const ID_HEADER = 'X-Chaos-Id';
