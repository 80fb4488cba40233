/**
 * Part of `npm run bench:imap`: a big INBOX (BENCH_BIGBOX_SIZES messages, default 20,000 and
 * 100,000) on the maildir store behind the IMAP server, in this process so that it can collect
 * garbage before measuring (run with --expose-gc). Prints, per size:
 *   - resident bytes per message: RSS (and V8 heap + external) after GC with one session having
 *     the INBOX selected (after its FETCH), minus the same before the account was opened, over the
 *     message count: at once, and after BENCH_BIGBOX_SETTLE_MS (10 s) idle, when V8 has returned
 *     the pages the load's garbage took; and the heap after a second session selected it 5 times
 *     and left (a leak shows there);
 *   - the first SELECT (the account and folder are read from disk; with the CPU time this process
 *     spent on it, steadier than wall time on a shared machine), later SELECTs (median of 5,
 *     account open), `FETCH 1:* FLAGS`, and `UID STORE u +FLAGS (\Flagged)` (median of 5: each
 *     rewrites the folder's modseq file durably before the rename);
 *   - after all sizes, the marginal resident bytes per message between the smallest and the
 *     largest size, which leaves out what the process grows by once whatever the count (V8's
 *     young generation, buffers that stay allocated after the first big burst).
 * Targets (issue 16): <= 1 KiB per message, first SELECT of 100,000 within 2 s, later SELECTs
 * within 0.1 s, FETCH 1:* FLAGS within 0.5 s. Printed, never asserted.
 * The maildir is written directly (files in cur/ plus dovecot-uidlist), as a migrated mailbox is.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MaildirStore } from '../../src/storage/maildir/store.ts';
import { parseAccount } from '../../src/util/account.ts';
import { startImap } from '../harness/imap.ts';

const SIZES = (process.env.BENCH_BIGBOX_SIZES ?? '20000,100000').split(',').map(Number);
const USER = 'big@example.test';
const SETTLE_MS = Number(process.env.BENCH_BIGBOX_SETTLE_MS ?? 10_000);
const TAIL = 4096;
const gc = (globalThis as { gc?: () => void }).gc;

/** A minimal client: the bench must not spend its time in a test client's buffering. */
class Client {
  private chunks: string[] = [];
  private tail = '';
  private wake: (() => void) | undefined;
  private constructor(private readonly s: Socket) {
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      this.chunks.push(d);
      this.tail = (this.tail + d).slice(-TAIL); // a tagged reply's whole line (LOGIN's lists the capabilities)
      this.wake?.();
    });
  }
  static async open(port: number): Promise<Client> {
    const s = connect(port, '127.0.0.1');
    await new Promise<void>((r, j) => s.once('connect', r).once('error', j));
    const c = new Client(s);
    await c.wait((t) => t.includes('\r\n'));
    return c;
  }
  private async wait(done: (tail: string) => boolean): Promise<void> {
    while (!done(this.tail)) await new Promise<void>((r) => (this.wake = r));
    this.wake = undefined;
  }
  /** Sends a command, waits for its tagged reply; returns the reply's length in bytes. */
  async cmd(tag: string, text: string): Promise<number> {
    this.chunks = [];
    this.tail = '';
    this.s.write(`${tag} ${text}\r\n`);
    const re = new RegExp(`(^|\\r\\n)${tag} (OK|NO|BAD)[^\\r]*\\r\\n$`);
    await this.wait((t) => re.test(t));
    if (!new RegExp(`${tag} OK`).test(this.tail)) throw new Error(`${text}: ${this.tail}`);
    return this.chunks.reduce((n, c) => n + c.length, 0);
  }
  close(): void { this.s.destroy(); }
}

/** Writes `n` messages into the account's INBOX as another MDA (or a migration) would have. */
function writeMaildir(root: string, n: number): void {
  const store = new MaildirStore({ root });
  const dir = store.accountDir(parseAccount(USER));
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(dir, sub), { recursive: true });
  const lines = [`3 V1700000000 N${n + 1} G${randomBytes(16).toString('hex')}`];
  for (let i = 1; i <= n; i++) {
    const body = `From: s${i % 97}@remote.test\r\nTo: ${USER}\r\nSubject: message ${i}\r\nDate: Tue, 3 Nov 2026 10:00:00 +0000\r\n\r\nbody ${i}\r\n`;
    const base = `${1_700_000_000 + i}.M${i}P1.bench,S=${body.length},W=${body.length}`;
    const flags = i % 3 === 0 ? '' : i % 3 === 1 ? 'S' : 'FS';
    writeFileSync(join(dir, 'cur', `${base}:2,${flags}`), body);
    lines.push(`${i} :${base}`);
  }
  writeFileSync(join(dir, 'dovecot-uidlist'), lines.join('\n') + '\n');
}

function memory(): { rss: number; heap: number } {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed + m.external };
}

const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
const fmt = (x: number): string => x.toFixed(x < 10 ? 2 : 0);

const resident: Array<{ n: number; bytes: number }> = [];

async function run(n: number): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'mailcluster-bigbox-'));
  try {
    writeMaildir(root, n);
    const srv = await startImap(new MaildirStore({ root }), { [USER]: 'pw' });
    try {
      await new Promise((r) => setTimeout(r, SETTLE_MS)); // writing the maildir left garbage too
      const before = memory();
      const a = await Client.open(srv.port);
      await a.cmd('l', `LOGIN ${USER} pw`);
      let t0 = process.hrtime.bigint();
      const cpu0 = process.cpuUsage();
      await a.cmd('s1', 'SELECT INBOX');
      const first = ms(t0);
      const cpu = process.cpuUsage(cpu0);
      const firstCpu = (cpu.user + cpu.system) / 1000;
      t0 = process.hrtime.bigint();
      const bytes = await a.cmd('f1', 'FETCH 1:* FLAGS');
      const fetch = ms(t0);
      const open = memory();
      // V8 gives pages of the load's garbage back to the system only once the process is idle a while
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      const settled = memory();
      const later: number[] = [];
      const b = await Client.open(srv.port);
      await b.cmd('l', `LOGIN ${USER} pw`);
      for (let i = 0; i < 5; i++) {
        t0 = process.hrtime.bigint();
        await b.cmd(`s${i}`, 'SELECT INBOX');
        later.push(ms(t0));
      }
      const stores: number[] = [];
      for (let i = 0; i < 5; i++) {
        t0 = process.hrtime.bigint();
        await b.cmd(`t${i}`, `UID STORE ${1 + i * Math.floor(n / 5)} +FLAGS (\\Flagged)`);
        stores.push(ms(t0));
      }
      stores.sort((x, y) => x - y);
      b.close();
      await new Promise((r) => setTimeout(r, 500)); // b's session ends; a keeps INBOX selected
      const after = memory();
      later.sort((x, y) => x - y);
      resident.push({ n, bytes: settled.rss - before.rss });
      console.log(
        `bigbox ${String(n).padStart(6)} msgs: resident ${fmt((settled.rss - before.rss) / n)} B/msg after ${SETTLE_MS / 1000} s idle, ${fmt((open.rss - before.rss) / n)} at once` +
          ` (heap+external ${fmt((open.heap - before.heap) / n)} B/msg;` +
          ` ${fmt((after.heap - before.heap) / n)} after a second session came and went)` +
          ` | first SELECT ${fmt(first)} ms (CPU ${fmt(firstCpu)} ms) | later SELECT p50 ${fmt(later[2]!)} ms | FETCH 1:* FLAGS ${fmt(fetch)} ms (${(bytes / 1e6).toFixed(1)} MB) | STORE p50 ${fmt(stores[2]!)} ms`,
      );
      a.close();
    } finally {
      await srv.server.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (!gc) console.log('bigbox: run node with --expose-gc for per-message memory after GC (figures below include garbage)');
for (const n of SIZES) await run(n);
if (resident.length > 1) {
  const [lo, hi] = [resident[0]!, resident[resident.length - 1]!];
  console.log(`bigbox marginal resident ${fmt((hi.bytes - lo.bytes) / (hi.n - lo.n))} B/msg between ${lo.n} and ${hi.n} messages`);
}
process.exit(0);
