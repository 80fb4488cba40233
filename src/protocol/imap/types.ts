/**
 * The typed AST of client commands (RFC 3501 §6, RFC 9051 §6 and the extensions clients rely on:
 * IDLE RFC 2177, NAMESPACE RFC 2342, ID RFC 2971, UNSELECT RFC 3691, UIDPLUS UID EXPUNGE RFC 4315,
 * ESEARCH RETURN RFC 4731, SASL-IR RFC 4959, ENABLE RFC 5161, SEARCHRES `$` RFC 5182,
 * LIST-EXTENDED RFC 5258 with SPECIAL-USE RFC 6154 and LIST-STATUS RFC 5819, MOVE RFC 6851,
 * CONDSTORE / QRESYNC RFC 7162 — their arguments are in commands/condstore-args.ts).
 *
 * Contracts shared by every command:
 * - `name` is upper case; UID FETCH/STORE/COPY/MOVE/SEARCH/EXPUNGE keep their base name with
 *   `uid: true`.
 * - Strings are decoded values, never their wire form: an astring sent as atom, quoted string or
 *   literal parses to the same string, and the serializer picks the form (parse ∘ serialize = id).
 * - Mailbox names (and LIST reference/pattern) are Unicode, already decoded from modified UTF-7
 *   (or taken verbatim once UTF8=ACCEPT is enabled). INBOX is not case-folded here; the store does it.
 * - Flags are kept as sent (`\Seen`, `$Forwarded`); canonical spelling is the store's job.
 * - Keywords that the RFC treats case-insensitively and that the parser compares (command names,
 *   FETCH/SEARCH/STATUS items, ENABLE capabilities, CHARSET, AUTHENTICATE mechanism) are upper-cased.
 */
import type { SearchDate } from './date-time.ts';
import type { SequenceSet } from './sequence-set.ts';

export type { SearchDate } from './date-time.ts';
export type { SeqNumber, SeqRange, SequenceSet } from './sequence-set.ts';

interface Tagged {
  tag: string;
}

export const NO_ARG_COMMANDS = ['CAPABILITY', 'NOOP', 'LOGOUT', 'STARTTLS', 'CHECK', 'CLOSE', 'UNSELECT', 'IDLE', 'NAMESPACE'] as const;
export type NoArgCommandName = (typeof NO_ARG_COMMANDS)[number];
export interface NoArgCommand extends Tagged {
  name: NoArgCommandName;
}

export interface LoginCommand extends Tagged {
  name: 'LOGIN';
  userid: string;
  password: string;
}

/** `initialResponse` is the decoded SASL-IR argument; `=` on the wire is an empty Buffer. */
export interface AuthenticateCommand extends Tagged {
  name: 'AUTHENTICATE';
  mechanism: string;
  initialResponse?: Buffer;
}

export interface EnableCommand extends Tagged {
  name: 'ENABLE';
  capabilities: string[];
}

export interface IdParam {
  key: string;
  value: string | null;
}
/** `ID NIL` is `params: null`. */
export interface IdCommand extends Tagged {
  name: 'ID';
  params: IdParam[] | null;
}

/** GETQUOTAROOT takes a mailbox and GETQUOTA a quota root name (RFC 9208 §4.2), parsed alike. */
export const MAILBOX_COMMANDS = ['SELECT', 'EXAMINE', 'CREATE', 'DELETE', 'SUBSCRIBE', 'UNSUBSCRIBE', 'GETQUOTAROOT', 'GETQUOTA'] as const;
export type MailboxCommandName = (typeof MAILBOX_COMMANDS)[number];
export interface MailboxCommand extends Tagged {
  name: MailboxCommandName;
  mailbox: string;
  /** SELECT / EXAMINE parameters (RFC 7162 §3.1.8, §3.2.5); absent = none sent. */
  select?: SelectParams;
}

/** `(CONDSTORE)` and / or `(QRESYNC (uidvalidity modseq [known-uids [(seqs uids)]]))`. */
export interface SelectParams {
  condstore?: true;
  qresync?: QresyncParams;
}
export interface QresyncParams {
  uidValidity: number;
  modseq: number;
  knownUids?: SequenceSet;
  seqMatch?: { seqs: SequenceSet; uids: SequenceSet };
}

export interface RenameCommand extends Tagged {
  name: 'RENAME';
  mailbox: string;
  newName: string;
}

/** LIST-EXTENDED selection options (RFC 5258 §3.1; SPECIAL-USE RFC 6154 §3). */
export const LIST_SELECTION_OPTIONS = ['SUBSCRIBED', 'REMOTE', 'RECURSIVEMATCH', 'SPECIAL-USE'] as const;
export type ListSelectionOption = (typeof LIST_SELECTION_OPTIONS)[number];
/** LIST-EXTENDED return options (RFC 5258 §3.2; SPECIAL-USE RFC 6154 §3; STATUS RFC 5819 §2). */
export const LIST_RETURN_OPTIONS = ['SUBSCRIBED', 'CHILDREN', 'SPECIAL-USE', 'STATUS'] as const;
export type ListReturnOption = { option: Exclude<(typeof LIST_RETURN_OPTIONS)[number], 'STATUS'> } | { option: 'STATUS'; items: StatusItem[] };

/**
 * LIST / LSUB. `patterns` holds one pattern, or several from LIST-EXTENDED's `(p1 p2 …)`.
 * `selection` and `returnOptions` are present only when LIST used the extended syntax (RFC 5258
 * §3), `[]` meaning `()` / `RETURN ()`; LSUB never has them.
 */
export interface ListCommand extends Tagged {
  name: 'LIST' | 'LSUB';
  reference: string;
  patterns: string[];
  selection?: ListSelectionOption[];
  returnOptions?: ListReturnOption[];
}

export const STATUS_ITEMS = ['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'DELETED', 'SIZE', 'DELETED-STORAGE', 'HIGHESTMODSEQ', 'APPENDLIMIT'] as const;
export type StatusItem = (typeof STATUS_ITEMS)[number];
export interface StatusCommand extends Tagged {
  name: 'STATUS';
  mailbox: string;
  items: StatusItem[];
}

/**
 * One message of an APPEND (RFC 3502 `append-message`): `flags` undefined = no flag list sent;
 * `date` undefined = no date-time sent.
 */
export interface AppendMessage {
  flags?: string[];
  date?: Date;
  data: AppendData;
}

/**
 * A message's content: a literal (`binary`: sent as literal8 `~{n}`, RFC 3516 §4.4), or RFC 4469
 * CATENATE parts, concatenated by the server.
 */
export type AppendData = { kind: 'literal'; bytes: Buffer; binary: boolean } | { kind: 'catenate'; parts: CatenatePart[] };

/** `TEXT literal` (or literal8) or `URL astring` (an IMAP URL, RFC 5092, as sent). */
export type CatenatePart = { kind: 'text'; bytes: Buffer; binary: boolean } | { kind: 'url'; url: string };

/** APPEND with one or, MULTIAPPEND (RFC 3502), several messages, stored all or none. */
export interface AppendCommand extends Tagged {
  name: 'APPEND';
  mailbox: string;
  messages: AppendMessage[];
}

export type ExpungeCommand = (Tagged & { name: 'EXPUNGE'; uid: false }) | (Tagged & { name: 'EXPUNGE'; uid: true; sequence: SequenceSet });

export interface CopyCommand extends Tagged {
  name: 'COPY' | 'MOVE';
  uid: boolean;
  sequence: SequenceSet;
  mailbox: string;
}

export type StoreOperation = 'replace' | 'add' | 'remove'; // FLAGS, +FLAGS, -FLAGS
export interface StoreCommand extends Tagged {
  name: 'STORE';
  uid: boolean;
  sequence: SequenceSet;
  operation: StoreOperation;
  silent: boolean;
  flags: string[];
  /** `(UNCHANGEDSINCE n)` (RFC 7162 §3.1.3). */
  unchangedSince?: number;
}

export const SIMPLE_FETCH_ATTS = ['FLAGS', 'UID', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODYSTRUCTURE', 'BODY', 'RFC822', 'RFC822.HEADER', 'RFC822.TEXT', 'MODSEQ'] as const;
export type SimpleFetchAttName = (typeof SIMPLE_FETCH_ATTS)[number];

/** `part` is the dotted part path (empty = whole message); `MIME` needs a non-empty path. */
export type Section =
  | { part: number[]; text?: 'HEADER' | 'TEXT' | 'MIME' }
  | { part: number[]; text: 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT'; fields: string[] };

/** `<offset.length>` in a request (`length` ≥ 1). */
export interface ByteRange {
  offset: number;
  length: number;
}

/** BODY[section]<partial> or BODY.PEEK[section]<partial> (`peek`). */
export interface BodySectionAtt {
  kind: 'BODY[]';
  peek: boolean;
  section: Section;
  partial?: ByteRange;
}
/**
 * RFC 3516 §4.2: `BINARY[part]<partial>` / `BINARY.PEEK[part]<partial>` (`peek`) and
 * `BINARY.SIZE[part]`; `part` is the section-part (empty = the whole message).
 */
export type BinaryAtt = { kind: 'BINARY[]'; peek: boolean; part: number[]; partial?: ByteRange } | { kind: 'BINARY.SIZE'; part: number[] };

/** The macros ALL / FAST / FULL are expanded by the parser into their simple attributes. */
export type FetchAtt = { kind: SimpleFetchAttName } | BodySectionAtt | BinaryAtt;

export interface FetchCommand extends Tagged {
  name: 'FETCH';
  uid: boolean;
  sequence: SequenceSet;
  items: FetchAtt[];
  /** `(CHANGEDSINCE n [VANISHED])` (RFC 7162 §3.1.4.1, §3.2.6); VANISHED only with UID FETCH. */
  changedSince?: number;
  vanished?: true;
}

export const FLAG_SEARCH_KEYS = [
  'ALL', 'ANSWERED', 'DELETED', 'DRAFT', 'FLAGGED', 'NEW', 'OLD', 'RECENT', 'SEEN',
  'UNANSWERED', 'UNDELETED', 'UNDRAFT', 'UNFLAGGED', 'UNSEEN',
] as const;
export const STRING_SEARCH_KEYS = ['BCC', 'BODY', 'CC', 'FROM', 'SUBJECT', 'TEXT', 'TO'] as const;
export const DATE_SEARCH_KEYS = ['BEFORE', 'ON', 'SINCE', 'SENTBEFORE', 'SENTON', 'SENTSINCE'] as const;

/** One search-key; `AND` is a parenthesised group, `SEQ` a bare sequence set. */
export type SearchKey =
  | { key: (typeof FLAG_SEARCH_KEYS)[number] }
  | { key: (typeof STRING_SEARCH_KEYS)[number]; value: string }
  | { key: (typeof DATE_SEARCH_KEYS)[number]; date: SearchDate }
  | { key: 'KEYWORD' | 'UNKEYWORD'; flag: string }
  | { key: 'LARGER' | 'SMALLER'; size: number }
  | { key: 'HEADER'; field: string; value: string }
  | { key: 'UID' | 'SEQ'; set: SequenceSet }
  /** RFC 7162 §3.1.5: `MODSEQ ["/flags/<flag>" ("priv" / "shared" / "all")] n`. */
  | { key: 'MODSEQ'; modseq: number; entry?: { name: string; type: 'priv' | 'shared' | 'all' } }
  | { key: 'NOT'; operand: SearchKey }
  | { key: 'OR'; left: SearchKey; right: SearchKey }
  | { key: 'AND'; operands: SearchKey[] };

/** `returnOptions` present = ESEARCH requested (RFC 4731), `[]` meaning `RETURN ()`. */
export interface SearchCommand extends Tagged {
  name: 'SEARCH';
  uid: boolean;
  returnOptions?: string[];
  /** RETURN (PARTIAL low:high) (RFC 5267 §4.4). */
  partial?: { low: number; high: number };
  charset?: string;
  criteria: SearchKey[];
}

/** RFC 5256 §3 sort keys (DISPLAYFROM / DISPLAYTO: RFC 5957). */
export const SORT_KEYS = ['ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO', 'DISPLAYFROM', 'DISPLAYTO'] as const;
export type SortKeyName = (typeof SORT_KEYS)[number];
export interface SortCriterion {
  key: SortKeyName;
  reverse: boolean;
}

/** SORT (RFC 5256 §3); `returnOptions` present = ESORT requested (RFC 5267 §3), `[]` meaning `RETURN ()`. */
export interface SortCommand extends Tagged {
  name: 'SORT';
  uid: boolean;
  returnOptions?: string[];
  /** RETURN (PARTIAL low:high) (RFC 5267 §4.4). */
  partial?: { low: number; high: number };
  criteria: SortCriterion[];
  charset: string;
  search: SearchKey[];
}

/** CANCELUPDATE (RFC 5267 §4.2): the tags of the search contexts to stop updating. */
export interface CancelUpdateCommand extends Tagged {
  name: 'CANCELUPDATE';
  tags: string[];
}

/** NOTIFY filters (RFC 5465 §6); SUBTREE and MAILBOXES name mailboxes (decoded, like every name). */
export type NotifyFilter =
  | { kind: 'SELECTED' | 'SELECTED-DELAYED' | 'INBOXES' | 'PERSONAL' | 'SUBSCRIBED' }
  | { kind: 'SUBTREE' | 'MAILBOXES'; mailboxes: string[] };
/** One event (RFC 5465 §5); `fetch`: MessageNew's fetch attributes. */
export interface NotifyEvent { name: string; fetch?: FetchAtt[] }
/** `events: null` is NONE (nothing for those mailboxes). */
export interface NotifyGroup { filter: NotifyFilter; events: NotifyEvent[] | null }
/** NOTIFY (RFC 5465 §3): `set: null` is NOTIFY NONE. */
export interface NotifyCommand extends Tagged {
  name: 'NOTIFY';
  set: { status: boolean; groups: NotifyGroup[] } | null;
}

export const THREAD_ALGORITHMS = ['ORDEREDSUBJECT', 'REFERENCES'] as const;

/** THREAD (RFC 5256 §3). */
export interface ThreadCommand extends Tagged {
  name: 'THREAD';
  uid: boolean;
  algorithm: (typeof THREAD_ALGORITHMS)[number];
  charset: string;
  search: SearchKey[];
}

export type Command =
  | NoArgCommand
  | LoginCommand
  | AuthenticateCommand
  | EnableCommand
  | IdCommand
  | MailboxCommand
  | RenameCommand
  | ListCommand
  | StatusCommand
  | AppendCommand
  | ExpungeCommand
  | CopyCommand
  | StoreCommand
  | FetchCommand
  | SearchCommand
  | SortCommand
  | ThreadCommand
  | CancelUpdateCommand
  | NotifyCommand;

export type CommandName = Command['name'];

/** Options shared by the parser and the serializer of one connection. */
export interface CodecOptions {
  /** UTF8=ACCEPT enabled (RFC 6855/9051): mailbox names are UTF-8 on the wire, not modified UTF-7. */
  utf8?: boolean;
}
