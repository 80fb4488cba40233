/**
 * A raw SMTP/LMTP client over TCP for tests that must see exactly what a server says and when:
 * every byte received is kept with the time it arrived; `reply` waits for the next complete reply
 * (the last line of a possibly multi-line answer).
 */
import { connect, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';

export interface Heard { text: string; at: number }

export class RawSmtp {
  readonly heard: Heard[] = [];
  closedAt: number | undefined;
  private buffer = '';
  private readonly lines: Heard[] = [];
  private waiter: (() => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      const at = Date.now();
      this.heard.push({ text: d.toString(), at });
      this.buffer += d.toString();
      let i;
      while ((i = this.buffer.indexOf('\r\n')) >= 0) {
        this.lines.push({ text: this.buffer.slice(0, i), at });
        this.buffer = this.buffer.slice(i + 2);
      }
      this.waiter?.();
    });
    socket.on('close', () => {
      this.closedAt = Date.now();
      this.waiter?.();
    });
    socket.on('error', () => undefined);
  }

  /** Connects (over implicit TLS with `tls`: an internal LMTP port) and waits for the greeting. */
  static async open(port: number, host = '127.0.0.1', tls?: ConnectionOptions): Promise<RawSmtp> {
    const s = new RawSmtp(tls ? connectTls({ ...tls, host, port }) : connect({ host, port }));
    const greeting = await s.reply();
    if (!greeting.text.startsWith('220')) throw new Error(`unexpected greeting: ${greeting.text}`);
    return s;
  }

  /** The next complete reply (its last line, `NNN text`), with when it arrived. */
  async reply(timeoutMs = 15_000): Promise<Heard> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const k = this.lines.findIndex((l) => /^\d{3} /.test(l.text));
      if (k >= 0) return this.lines.splice(0, k + 1).at(-1)!;
      if (this.closedAt !== undefined) throw new Error(`connection closed; unanswered: ${this.lines.map((l) => l.text).join(' | ')}`);
      if (Date.now() > end) throw new Error('no reply in time');
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.max(0, end - Date.now()));
        this.waiter = () => { clearTimeout(t); r(); };
      });
    }
  }

  write(s: string): void { this.socket.write(s); }

  /** Sends a command and returns its reply. */
  async cmd(line: string, timeoutMs?: number): Promise<Heard> {
    this.write(`${line}\r\n`);
    return this.reply(timeoutMs);
  }

  /** Resolves when the server closed the connection. */
  async closed(timeoutMs = 30_000): Promise<number> {
    const end = Date.now() + timeoutMs;
    while (this.closedAt === undefined) {
      if (Date.now() > end) throw new Error('connection still open');
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.closedAt;
  }

  close(): void { this.socket.destroy(); }
}
