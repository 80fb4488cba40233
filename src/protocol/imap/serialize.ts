/**
 * Command AST → wire bytes, the inverse of parser.ts: parseCommand(frame(serializeCommand(c))) deep-
 * equals c for every well-formed c (property-tested). Used by tests, by the proxy that forwards
 * commands to another node, and by any client code.
 *
 * Returns chunks: send them in order, waiting for the server's `+` continuation after every chunk
 * but the last (each ends with a synchronising literal header). With `literalPlus` there is always
 * one chunk. Throws RangeError when the AST holds a value with no wire form (see wire-writer.ts).
 */
import { writeAppend } from './commands/append-args.ts';
import { writeAuthenticate, writeEnable, writeId, writeLogin } from './commands/auth-args.ts';
import { writeFetch } from './commands/fetch-args.ts';
import { writeList } from './commands/list-args.ts';
import { writeMailboxCommand, writeRename, writeStatus } from './commands/mailbox-args.ts';
import { writeCopy, writeExpunge, writeStore } from './commands/message-args.ts';
import { writeSearch } from './commands/search-args.ts';
import { writeSort, writeThread } from './commands/sort-args.ts';
import { writeCancelUpdate } from './commands/context-args.ts';
import { writeNotify } from './commands/notify-args.ts';
import { isTag } from './chars.ts';
import type { CodecOptions, Command } from './types.ts';
import { WireWriter } from './wire-writer.ts';

export interface SerializeOptions extends CodecOptions {
  /** The server advertised LITERAL+ (RFC 7888): use `{n+}` and never wait. */
  literalPlus?: boolean;
}

function writeArgs(w: WireWriter, c: Command): void {
  switch (c.name) {
    case 'CAPABILITY':
    case 'NOOP':
    case 'LOGOUT':
    case 'STARTTLS':
    case 'CHECK':
    case 'CLOSE':
    case 'UNSELECT':
    case 'IDLE':
    case 'NAMESPACE':
      return;
    case 'LOGIN':
      return writeLogin(w, c);
    case 'AUTHENTICATE':
      return writeAuthenticate(w, c);
    case 'ENABLE':
      return writeEnable(w, c);
    case 'ID':
      return writeId(w, c);
    case 'SELECT':
    case 'EXAMINE':
    case 'CREATE':
    case 'DELETE':
    case 'SUBSCRIBE':
    case 'UNSUBSCRIBE':
    case 'GETQUOTAROOT':
    case 'GETQUOTA':
      return writeMailboxCommand(w, c);
    case 'RENAME':
      return writeRename(w, c);
    case 'LIST':
    case 'LSUB':
      return writeList(w, c);
    case 'STATUS':
      return writeStatus(w, c);
    case 'APPEND':
      return writeAppend(w, c);
    case 'EXPUNGE':
      return writeExpunge(w, c);
    case 'COPY':
    case 'MOVE':
      return writeCopy(w, c);
    case 'STORE':
      return writeStore(w, c);
    case 'FETCH':
      return writeFetch(w, c);
    case 'SEARCH':
      return writeSearch(w, c);
    case 'SORT':
      return writeSort(w, c);
    case 'THREAD':
      return writeThread(w, c);
    case 'CANCELUPDATE':
      return writeCancelUpdate(w, c);
    case 'NOTIFY':
      return writeNotify(w, c);
    default: {
      const unknown: never = c;
      throw new RangeError(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
}

export function serializeCommand(c: Command, options: SerializeOptions = {}): Buffer[] {
  if (!isTag(c.tag)) throw new RangeError(`invalid tag ${JSON.stringify(c.tag)}`);
  const w = new WireWriter({ role: 'client', literalPlus: options.literalPlus === true, utf8: options.utf8 === true });
  const uid = 'uid' in c && c.uid;
  w.raw(`${c.tag} ${uid ? 'UID ' : ''}${c.name}`);
  writeArgs(w, c);
  w.crlf();
  return w.toChunks();
}

/** All chunks concatenated, as a server receives them once it has answered every `+`. */
export function serializeCommandBytes(c: Command, options: SerializeOptions = {}): Buffer {
  return Buffer.concat(serializeCommand(c, options));
}
