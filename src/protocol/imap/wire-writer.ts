/**
 * Builds wire bytes for commands (serialize.ts) and responses (response.ts), choosing the form of
 * each string (RFC 3501 §4.3 / RFC 9051 §4.3):
 *   atom    when allowed by the position and every char is an ATOM-/ASTRING-CHAR (never for `NIL`);
 *   quoted  when it has no CR, LF, NUL, no 8-bit chars (unless UTF-8 is enabled), ≤ MAX_QUOTED;
 *   literal otherwise: `{n}` CRLF + UTF-8 bytes — `{n+}` from a LITERAL+ client.
 *
 * Client role: a synchronising literal header ends a chunk; the sender must wait for `+` before
 * sending the next chunk (toChunks). Server role: literals never wait (responses have no `+`).
 * Failure: methods throw RangeError for values that have no wire form (an atom with specials, a
 * flag that is not an atom, NUL in a client string). Departure: in the server role NUL in a string
 * becomes U+FFFD rather than failing a whole FETCH over one odd header byte.
 */
import { allChars, isAStringChar, isAtom, isFlag, isListChar } from './chars.ts';
import { encodeMutf7 } from './mutf7.ts';

export interface WireWriterOptions {
  role: 'client' | 'server';
  /** Client only: the server advertised LITERAL+ (RFC 7888); literals become `{n+}`. */
  literalPlus?: boolean;
  /** UTF8=ACCEPT enabled: quoted strings may carry UTF-8 and mailbox names are not mUTF-7 encoded. */
  utf8?: boolean;
}

/** Longer strings go out as literals even when they could be quoted, to keep lines short. */
export const MAX_QUOTED = 1024;

const UNSENDABLE_SRC = '\\0|[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]';
const UNSENDABLE = new RegExp(UNSENDABLE_SRC);
const UNSENDABLE_ALL = new RegExp(UNSENDABLE_SRC, 'g');

export class WireWriter {
  private readonly groups: Buffer[][] = [[]];
  private text = '';

  constructor(readonly options: WireWriterOptions) {}

  /** Appends text verbatim. The caller guarantees it is valid at this point of the grammar. */
  raw(s: string): this {
    this.text += s;
    return this;
  }

  sp(): this {
    return this.raw(' ');
  }

  crlf(): this {
    return this.raw('\r\n');
  }

  atom(s: string): this {
    if (!isAtom(s)) throw new RangeError(`not an atom: ${JSON.stringify(s)}`);
    return this.raw(s);
  }

  flag(f: string): this {
    if (!isFlag(f) && f !== '\\*') throw new RangeError(`not a flag: ${JSON.stringify(f)}`);
    return this.raw(f);
  }

  number(n: number): this {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a number: ${n}`);
    return this.raw(String(n));
  }

  /** `astring`: bare when every char is an ASTRING-CHAR, else quoted or literal. */
  astring(s: string): this {
    return allChars(s, isAStringChar) && s.toUpperCase() !== 'NIL' ? this.raw(s) : this.string(s);
  }

  /** `list-mailbox`: bare when every char is a list-char (so `%` and `*` stay bare). */
  listMailbox(s: string): this {
    return allChars(s, isListChar) && s.toUpperCase() !== 'NIL' ? this.raw(s) : this.string(s);
  }

  /** A mailbox name: modified UTF-7 unless UTF-8 is enabled, then astring. */
  mailbox(name: string): this {
    return this.astring(this.options.utf8 ? name : encodeMutf7(name));
  }

  nstring(s: string | null): this {
    return s === null ? this.raw('NIL') : this.string(s);
  }

  /** `string`: quoted when possible, else literal. */
  string(input: string): this {
    const s = this.clean(input);
    if (this.quotable(s)) return this.raw('"' + s.replace(/[\\"]/g, (c) => '\\' + c) + '"');
    return this.literal(Buffer.from(s, 'utf8'));
  }

  literal(bytes: Buffer): this {
    const { role, literalPlus } = this.options;
    const sync = role === 'client' && !literalPlus;
    this.raw(`{${bytes.length}${role === 'client' && literalPlus ? '+' : ''}}\r\n`);
    this.flushText();
    if (sync) this.groups.push([]);
    this.current().push(bytes);
    return this;
  }

  /** `"(" item *(SP item) ")"`, or `()` for no items. */
  list<T>(items: readonly T[], each: (item: T) => void): this {
    this.raw('(');
    items.forEach((item, i) => {
      if (i > 0) this.sp();
      each(item);
    });
    return this.raw(')');
  }

  /** Chunks to send in order; in the client role wait for `+` after every chunk but the last. */
  toChunks(): Buffer[] {
    this.flushText();
    return this.groups.map((g) => Buffer.concat(g));
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.toChunks());
  }

  private quotable(s: string): boolean {
    if (s.length > MAX_QUOTED) return false;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x0d || c === 0x0a) return false;
      if (c >= 0x80 && !this.options.utf8) return false;
    }
    return true;
  }

  /** NUL and unpaired surrogates have no UTF-8 / IMAP form. */
  private clean(s: string): string {
    if (!UNSENDABLE.test(s)) return s;
    if (this.options.role === 'client') throw new RangeError('string has NUL or unpaired surrogates');
    return s.replace(UNSENDABLE_ALL, '\ufffd');
  }

  private current(): Buffer[] {
    return this.groups[this.groups.length - 1]!;
  }

  private flushText(): void {
    if (this.text.length === 0) return;
    this.current().push(Buffer.from(this.text, 'utf8'));
    this.text = '';
  }
}
