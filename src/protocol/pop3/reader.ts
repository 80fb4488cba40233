/**
 * POP3 line framer: TCP chunks in, command lines out (RFC 1939 §3: commands end in CRLF).
 * feed() is synchronous and returns the events the chunk completed, in order:
 * - `line`: one line without its line ending.
 * - `too-long`: a line exceeded `maxLineLength` octets (RFC 2449 §4: 255 for commands, CRLF
 *   included). Its bytes are discarded up to the next line ending without being buffered, and one
 *   event is reported per such line.
 * `maxLineLength` may change between lines (SASL continuation lines may be longer, RFC 5034 §4).
 * Memory bound: at most maxLineLength bytes of a pending line plus the current chunk.
 * Departure: a bare LF also ends a line (many clients and servers tolerate it).
 */
export type LineEvent = { kind: 'line'; line: Buffer } | { kind: 'too-long' };

export class LineReader {
  private pending: Buffer = Buffer.alloc(0);
  private discarding = false;

  constructor(public maxLineLength: number) {}

  feed(chunk: Buffer): LineEvent[] {
    const out: LineEvent[] = [];
    let start = 0;
    for (let lf = chunk.indexOf(10, start); lf >= 0; lf = chunk.indexOf(10, start)) {
      const part = chunk.subarray(start, lf + 1);
      start = lf + 1;
      if (this.discarding) {
        this.discarding = false;
        continue;
      }
      const whole = this.pending.length ? Buffer.concat([this.pending, part]) : part;
      this.pending = Buffer.alloc(0);
      if (whole.length > this.maxLineLength) {
        out.push({ kind: 'too-long' });
        continue;
      }
      const end = whole.length >= 2 && whole[whole.length - 2] === 13 ? whole.length - 2 : whole.length - 1;
      out.push({ kind: 'line', line: Buffer.from(whole.subarray(0, end)) });
    }
    const rest = chunk.subarray(start);
    if (rest.length && !this.discarding) {
      if (this.pending.length + rest.length > this.maxLineLength) {
        this.pending = Buffer.alloc(0);
        this.discarding = true;
        out.push({ kind: 'too-long' });
      } else this.pending = Buffer.concat([this.pending, rest]);
    }
    return out;
  }

  /** Bytes received but not yet returned as a line (for handing a connection to a proxy). */
  buffered(): Buffer {
    return this.discarding ? Buffer.alloc(0) : this.pending;
  }
}
