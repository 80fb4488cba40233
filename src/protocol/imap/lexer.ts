/**
 * Scanner over one framed command (RawCommand from reader.ts). IMAP's grammar is context
 * dependent (`BODY[HEADER.FIELDS (A)]<0.5>`, `1:*`, `\Seen`), so instead of a token stream the
 * command parsers pull the production they expect next. Every method either consumes input and
 * returns a value or throws ImapParseError (code SYNTAX unless stated) carrying the command's tag.
 *
 * Strings (RFC 3501 §4.3): quoted strings take `\\` and `\"` escapes only and no CR, LF or NUL;
 * literals `{n}` / `{n+}` must end their line segment, and their bytes are the next RawCommand
 * literal. String values are decoded as UTF-8 (invalid UTF-8 is refused). Departure: 8-bit bytes
 * are accepted inside quoted strings even without UTF8=ACCEPT, as Dovecot does, because clients
 * send them in SEARCH.
 */
import { BACKSLASH, DQUOTE, SP, isAStringChar, isAtomChar, isDigit } from './chars.ts';
import { ImapParseError, type ImapParseErrorCode } from './errors.ts';
import type { RawCommand } from './reader.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const NUMBER = /^[0-9]{1,20}$/;

export class Scanner {
  private seg = 0;
  private pos = 0;
  /** Set by the parser once the tag is read, so later errors carry it. */
  tag: string | undefined;
  /** Set when a mailbox name was not valid modified UTF-7; the command fails MAILBOX_ENCODING once fully parsed. */
  badMailboxName = false;

  constructor(private readonly raw: RawCommand) {}

  private get line(): Buffer {
    return this.raw.lines[this.seg]!;
  }

  fail(message: string, code: ImapParseErrorCode = 'SYNTAX'): never {
    throw new ImapParseError(code, message, this.tag);
  }

  /** Next byte of the current line segment, or -1 at its end. */
  peek(): number {
    return this.pos < this.line.length ? this.line[this.pos]! : -1;
  }

  /** At a quoted string, a literal or a literal8 (`~{`: refused by literal(), messageLiteral() takes it). */
  atString(): boolean {
    const c = this.peek();
    return c === DQUOTE || c === 0x7b || (c === 0x7e && this.line[this.pos + 1] === 0x7b);
  }

  atEnd(): boolean {
    return this.seg === this.raw.lines.length - 1 && this.pos >= this.line.length;
  }

  expectEnd(): void {
    if (!this.atEnd()) this.fail('Unexpected characters at end of command');
  }

  /** Consumes `c` if it is next. */
  accept(c: number): boolean {
    if (this.peek() !== c) return false;
    this.pos++;
    return true;
  }

  expect(c: number, what: string): void {
    if (!this.accept(c)) this.fail(`Expected ${what}`);
  }

  sp(): void {
    this.expect(SP, 'SP');
  }

  /** Consumes the longest run of bytes satisfying `pred` (possibly empty) as latin1 text. */
  takeWhile(pred: (c: number) => boolean): string {
    const start = this.pos;
    while (this.pos < this.line.length && pred(this.line[this.pos]!)) this.pos++;
    return this.line.toString('latin1', start, this.pos);
  }

  /** `1*ATOM-CHAR`; `what` names the production in the error. */
  atom(what = 'atom'): string {
    const s = this.takeWhile(isAtomChar);
    if (s.length === 0) this.fail(`Expected ${what}`);
    return s;
  }

  number(max = 0xffffffff): number {
    const s = this.takeWhile(isDigit);
    if (!NUMBER.test(s) || Number(s) > max) this.fail('Expected number');
    return Number(s);
  }

  nzNumber(max = 0xffffffff): number {
    const n = this.number(max);
    if (n === 0) this.fail('Expected non-zero number');
    return n;
  }

  /** `astring = 1*ASTRING-CHAR / string` */
  astring(): string {
    if (this.atString()) return this.string();
    const s = this.takeWhile(isAStringChar);
    if (s.length === 0) this.fail('Expected string');
    return s;
  }

  /** `nstring = string / NIL` */
  nstring(): string | null {
    if (this.atString()) return this.string();
    if (this.atom('string or NIL').toUpperCase() !== 'NIL') this.fail('Expected string or NIL');
    return null;
  }

  /** `string = quoted / literal`, decoded as UTF-8; NUL is refused in either form. */
  string(): string {
    const bytes = this.peek() === DQUOTE ? this.quotedBytes() : this.literal();
    if (bytes.includes(0)) this.fail('NUL in string');
    try {
      return utf8.decode(bytes);
    } catch {
      return this.fail('String is not valid UTF-8');
    }
  }

  private quotedBytes(): Buffer {
    this.expect(DQUOTE, 'quoted string');
    const line = this.line;
    const out: number[] = [];
    for (;;) {
      if (this.pos >= line.length) this.fail('Unterminated quoted string');
      const c = line[this.pos++]!;
      if (c === DQUOTE) return Buffer.from(out);
      if (c === BACKSLASH) {
        const e = line[this.pos++];
        if (e !== DQUOTE && e !== BACKSLASH) this.fail('Invalid escape in quoted string');
        out.push(e);
      } else if (c === 0x0d || c === 0x00) {
        this.fail('Invalid character in quoted string');
      } else {
        out.push(c);
      }
    }
  }

  /** `literal = "{" number ["+"] "}" CRLF *CHAR8`; returns the raw bytes (NUL not checked here). */
  literal(): Buffer {
    if (this.peek() === 0x7e) this.fail('literal8 is only allowed for message data', 'UNSUPPORTED');
    return this.literalBody();
  }

  /**
   * `literal / literal8` where message data may be binary (RFC 3516 §4.4 APPEND, RFC 4469 TEXT):
   * `literal8 = "~{" number ["+"] "}" CRLF *OCTET` (`+`: RFC 7888 §4). `binary`: it was literal8.
   */
  messageLiteral(): { bytes: Buffer; binary: boolean } {
    const binary = this.accept(0x7e);
    if (binary && this.peek() !== 0x7b) this.fail('Expected { after ~');
    return { bytes: this.literalBody(), binary };
  }

  private literalBody(): Buffer {
    this.expect(0x7b, 'literal');
    const digits = this.takeWhile(isDigit);
    this.accept(0x2b);
    if (digits.length === 0 || !this.accept(0x7d)) this.fail('Bad literal header');
    if (this.pos !== this.line.length || this.seg >= this.raw.literals.length) this.fail('Bad literal header');
    const data = this.raw.literals[this.seg]!;
    if (data.length !== Number(digits)) this.fail('Bad literal header');
    this.seg++;
    this.pos = 0;
    return data;
  }

  /** Parses `open` `item *(SP item)` `close`; `allowEmpty` also accepts `()`. */
  list<T>(item: () => T, allowEmpty: boolean): T[] {
    this.expect(0x28, '(');
    const out: T[] = [];
    if (this.accept(0x29)) {
      if (!allowEmpty) this.fail('Empty list');
      return out;
    }
    do out.push(item());
    while (this.accept(SP));
    this.expect(0x29, ')');
    return out;
  }
}
