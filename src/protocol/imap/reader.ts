/**
 * Streaming command framer: TCP chunks in, complete commands out. Knows only lines and literals
 * (RFC 3501 §4.3 / RFC 9051 §4.3, LITERAL+ RFC 7888); the grammar is parser.ts's business.
 *
 *   command-line = *(text literal-header CRLF literal-bytes) text CRLF
 *   literal-header = "{" number ["+"] "}"      ; "+" = non-synchronising (LITERAL+)
 *
 * A chunk may end anywhere: inside a line, inside `{n}`, between CR and LF, inside a literal.
 * feed() is synchronous and never blocks; it returns the events the chunk completed, in order:
 * - `continue`: a synchronising literal was announced and accepted; the server must now send
 *   `+ <text>` (the client sends nothing more for this command until then).
 * - `command`: one whole command, framed (see RawCommand).
 * - `error`: the current command was dropped. LITERAL_TOO_BIG: answer `NO [TOOBIG]` (or `BAD`);
 *   for a synchronising literal the client sends no data (it never got `+`); for a non-synchronising
 *   one the reader discards the announced bytes and the rest of the command without buffering them
 *   (a server may prefer to close the connection instead). LINE_TOO_LONG / COMMAND_TOO_LONG: answer
 *   `BAD`; the rest of the command is discarded the same way.
 *
 * Memory bound: at most maxCommandSize bytes (lines + literals of the one pending command) plus the
 * current chunk. Departure: a bare LF also ends a line (many clients and servers tolerate it).
 */
import { isTagChar } from './chars.ts';

export interface ReaderLimits {
  /** Longest line segment (text between literals), excluding CRLF. */
  maxLineLength: number;
  /** Largest single literal accepted. */
  maxLiteralSize: number;
  /** All lines and literals of one command; default maxLiteralSize + 4 × maxLineLength. */
  maxCommandSize?: number;
}

/**
 * A framed command. `lines[i]` is the text before literal i, without CRLF, ending with its
 * literal header `{n}` / `{n+}`; `literals[i]` holds exactly n bytes. lines.length = literals.length + 1.
 */
export interface RawCommand {
  lines: Buffer[];
  literals: Buffer[];
}

export type ReaderErrorCode = 'LINE_TOO_LONG' | 'LITERAL_TOO_BIG' | 'COMMAND_TOO_LONG';

export interface ReaderError {
  code: ReaderErrorCode;
  /** The command's tag when its first bytes were a valid tag followed by SP. */
  tag: string | undefined;
  message: string;
  /** LITERAL_TOO_BIG only: the announced size and whether the client waits for `+`. */
  literal?: { size: number; synchronizing: boolean };
}

export type ReaderEvent =
  | { kind: 'command'; command: RawCommand }
  | { kind: 'continue'; tag: string | undefined; size: number }
  | { kind: 'error'; error: ReaderError };

type State =
  | { mode: 'line' }
  | { mode: 'literal'; remaining: number }
  | { mode: 'skip-line'; tail: Buffer } // discarding the rest of a dropped command's line
  | { mode: 'skip-literal'; remaining: number }; // discarding a dropped command's LITERAL+ bytes

const LF = 0x0a;
const CR = 0x0d;
const TAIL = 24; // enough for `{` + 20 digits + `+}` + CR
const MAX_TAG = 64;
const LITERAL_HEADER = /\{([0-9]+)(\+?)\}$/;

/** `{n}` / `{n+}` at the very end of a line; sizes beyond 2^53 come back as Infinity. */
export function literalHeader(line: Buffer): { size: number; synchronizing: boolean } | undefined {
  if (line[line.length - 1] !== 0x7d) return undefined;
  const m = LITERAL_HEADER.exec(line.subarray(Math.max(0, line.length - TAIL)).toString('latin1'));
  if (!m) return undefined;
  const size = m[1]!.length > 15 ? Infinity : Number(m[1]);
  return { size, synchronizing: m[2] !== '+' };
}

function tagOf(firstLine: Buffer): string | undefined {
  const sp = firstLine.subarray(0, MAX_TAG + 1).indexOf(0x20);
  if (sp <= 0) return undefined;
  for (let i = 0; i < sp; i++) if (!isTagChar(firstLine[i]!)) return undefined;
  return firstLine.toString('latin1', 0, sp);
}

export class CommandReader {
  private state: State = { mode: 'line' };
  private lineParts: Buffer[] = [];
  private lineLength = 0;
  private lines: Buffer[] = [];
  private literals: Buffer[] = [];
  private literalParts: Buffer[] = [];
  private commandSize = 0;
  /** Commands framed so far (feedSome counts against it). */
  private completed = 0;
  private readonly maxCommandSize: number;

  constructor(private readonly limits: ReaderLimits) {
    this.maxCommandSize = limits.maxCommandSize ?? limits.maxLiteralSize + 4 * limits.maxLineLength;
  }

  /** Bytes currently held for the pending command (for tests and metrics). */
  get bufferedBytes(): number {
    return this.commandSize + this.lineLength + this.literalParts.reduce((n, b) => n + b.length, 0);
  }

  /** True when no partial command is pending (safe point to e.g. start TLS). */
  get idle(): boolean {
    return this.state.mode === 'line' && this.lineLength === 0 && this.lines.length === 0;
  }

  feed(chunk: Buffer): ReaderEvent[] {
    return this.feedSome(chunk, Infinity).events;
  }

  /**
   * Like feed(), but stops right after the `maxCommands`-th complete command: `consumed` says how
   * many bytes of the chunk were read, and the caller feeds the rest later (bounded pipelining:
   * a connection that is behind holds unread bytes, not thousands of framed commands).
   */
  feedSome(chunk: Buffer, maxCommands: number): { events: ReaderEvent[]; consumed: number } {
    const events: ReaderEvent[] = [];
    let off = 0;
    const start = this.completed;
    while (off < chunk.length && this.completed - start < maxCommands) {
      const st = this.state;
      if (st.mode === 'line') off = this.readLine(chunk, off, events);
      else if (st.mode === 'literal') off = this.readLiteral(chunk, off, st);
      else if (st.mode === 'skip-literal') {
        const n = Math.min(st.remaining, chunk.length - off);
        st.remaining -= n;
        off += n;
        if (st.remaining === 0) this.state = { mode: 'skip-line', tail: Buffer.alloc(0) };
      } else off = this.skipLine(chunk, off, st);
    }
    return { events, consumed: off };
  }

  private readLine(chunk: Buffer, off: number, events: ReaderEvent[]): number {
    const lf = chunk.indexOf(LF, off);
    const end = lf < 0 ? chunk.length : lf;
    const piece = chunk.subarray(off, end);
    this.lineParts.push(piece);
    this.lineLength += piece.length;
    // One extra byte of allowance for the CR that may precede LF.
    if (this.lineLength > this.limits.maxLineLength + 1) {
      this.fail(events, 'LINE_TOO_LONG', 'Line too long');
      this.state = { mode: 'skip-line', tail: Buffer.concat(this.lineParts).subarray(-TAIL) };
      this.resetLine();
      return lf < 0 ? chunk.length : lf; // skipLine sees the LF, if any
    }
    if (lf < 0) return chunk.length;
    let line = Buffer.concat(this.lineParts);
    this.resetLine();
    if (line[line.length - 1] === CR) line = line.subarray(0, -1);
    this.endOfLine(line, events);
    return lf + 1;
  }

  private endOfLine(line: Buffer, events: ReaderEvent[]): void {
    if (line.length > this.limits.maxLineLength) return this.dropAfterLine(line, events, 'LINE_TOO_LONG', 'Line too long');
    if (this.commandSize + line.length > this.maxCommandSize) return this.dropAfterLine(line, events, 'COMMAND_TOO_LONG', 'Command too long');
    const lit = literalHeader(line);
    this.lines.push(line);
    this.commandSize += line.length;
    if (lit === undefined) {
      events.push({ kind: 'command', command: { lines: this.lines, literals: this.literals } });
      this.completed++;
      this.resetCommand();
      return;
    }
    if (lit.size > this.limits.maxLiteralSize || this.commandSize + lit.size > this.maxCommandSize) {
      this.fail(events, 'LITERAL_TOO_BIG', 'Literal too big', lit);
      this.state = lit.synchronizing ? { mode: 'line' } : { mode: 'skip-literal', remaining: lit.size };
      if (!lit.synchronizing && lit.size === 0) this.state = { mode: 'skip-line', tail: Buffer.alloc(0) };
      return;
    }
    if (lit.synchronizing) events.push({ kind: 'continue', tag: this.currentTag(), size: lit.size });
    this.state = { mode: 'literal', remaining: lit.size };
    if (lit.size === 0) this.finishLiteral();
  }

  /** A line that is itself bad: drop the command, then honour its literal header if it has one. */
  private dropAfterLine(line: Buffer, events: ReaderEvent[], code: ReaderErrorCode, message: string): void {
    this.fail(events, code, message, undefined, line);
    const lit = literalHeader(line);
    this.state = lit !== undefined && !lit.synchronizing ? { mode: 'skip-literal', remaining: lit.size } : { mode: 'line' };
    if (lit !== undefined && !lit.synchronizing && lit.size === 0) this.state = { mode: 'skip-line', tail: Buffer.alloc(0) };
  }

  private readLiteral(chunk: Buffer, off: number, st: { remaining: number }): number {
    const n = Math.min(st.remaining, chunk.length - off);
    this.literalParts.push(chunk.subarray(off, off + n));
    st.remaining -= n;
    if (st.remaining === 0) this.finishLiteral();
    return off + n;
  }

  private finishLiteral(): void {
    const lit = Buffer.concat(this.literalParts);
    this.literalParts = [];
    this.literals.push(lit);
    this.commandSize += lit.length;
    this.state = { mode: 'line' };
  }

  /** Discards up to LF, remembering only the last few bytes to spot a trailing literal header. */
  private skipLine(chunk: Buffer, off: number, st: { tail: Buffer }): number {
    const lf = chunk.indexOf(LF, off);
    const end = lf < 0 ? chunk.length : lf;
    st.tail = Buffer.concat([st.tail, chunk.subarray(Math.max(off, end - TAIL), end)]).subarray(-TAIL);
    if (lf < 0) return chunk.length;
    const tail = st.tail[st.tail.length - 1] === CR ? st.tail.subarray(0, -1) : st.tail;
    const lit = literalHeader(tail);
    // A synchronising literal is never sent: the client waits for `+`, which it will not get.
    this.state = lit !== undefined && !lit.synchronizing ? { mode: 'skip-literal', remaining: lit.size } : { mode: 'line' };
    if (lit !== undefined && !lit.synchronizing && lit.size === 0) this.state = { mode: 'skip-line', tail: Buffer.alloc(0) };
    return lf + 1;
  }

  /** The pending command's tag, read from its first line (complete, `pending`, or still arriving). */
  private currentTag(pending?: Buffer): string | undefined {
    const first = this.lines[0] ?? pending ?? Buffer.concat(this.lineParts, Math.min(this.lineLength, MAX_TAG + 1));
    return tagOf(first);
  }

  private fail(events: ReaderEvent[], code: ReaderErrorCode, message: string, literal?: { size: number; synchronizing: boolean }, pending?: Buffer): void {
    const error: ReaderError = { code, tag: this.currentTag(pending), message };
    if (literal !== undefined) error.literal = literal;
    events.push({ kind: 'error', error });
    this.resetCommand();
  }

  private resetLine(): void {
    this.lineParts = [];
    this.lineLength = 0;
  }

  private resetCommand(): void {
    this.lines = [];
    this.literals = [];
    this.literalParts = [];
    this.commandSize = 0;
  }
}
