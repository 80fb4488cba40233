/**
 * One `mailcluster node` child process, configured only through MAILCLUSTER_* variables (as the
 * StatefulSet configures pods). Collects its JSON log lines; `waitForLog` lets callers wait for a
 * message. Stopping: stop() (SIGTERM, clean), kill() (SIGKILL), pause()/resume() (SIGSTOP/SIGCONT).
 *
 * When the process has ended (and its output is read), `logs` gets one line made here, not by the
 * node: `{ msg: 'process exited', supervisor: true, code, signal }` with the time it was seen, an
 * upper bound on when the process last served anything; then `exit` is emitted (for a Supervisor,
 * which restarts the node unless stop() asked for the exit).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const MAILCLUSTER_BIN = fileURLToPath(new URL('../../bin/mailcluster.js', import.meta.url));

export interface LogLine { msg: string; time: number; level: number; [k: string]: unknown }

/**
 * V8 flags every node process runs with (here, and in deploy/docker/Dockerfile's ENTRYPOINT; the
 * deploy tests check they agree). A young generation of at most 3 × 8 MiB: Node 24 sizes it by the
 * machine's memory (up to 3 × 64 MiB), so a burst of small commands from one client grew a node by
 * over 100 MiB that it kept. At Node 20's 3 × 16 MiB a flood still grew an idle node by about
 * 33 MiB (the semi-spaces V8 had shrunk while idle growing back to 2 × 16 MiB), over the 32 MB
 * bound of test/cluster/pipelining.test.ts in about half the runs on Node 24. More frequent
 * scavenges are the price.
 */
export const NODE_V8_FLAGS: readonly string[] = ['--max-semi-space-size=8'];

export class NodeProcess extends EventEmitter<{ exit: [{ code: number | null; signal: NodeJS.Signals | null }] }> {
  private child: ChildProcess | undefined;
  readonly logs: LogLine[] = [];
  private waiters: Array<{ test: (l: LogLine) => boolean; resolve: (l: LogLine) => void }> = [];
  private logFile: WriteStream | undefined;
  exitCode: number | null | undefined;

  private stopRequested = false;

  constructor(readonly name: string, readonly env: Record<string, string>, private readonly logPath?: string) {
    super();
  }

  /**
   * A cgroup v2 directory the process starts in (its PID is written to cgroup.procs before it
   * execs node), so a test can match its sockets in iptables (`-m cgroup --path`) to partition it.
   */
  cgroupDir: string | undefined;

  /** True from stop() until the next start(): the exit is wanted. */
  get stopping(): boolean { return this.stopRequested; }

  get pid(): number | undefined { return this.child?.pid; }
  get running(): boolean { return !!this.child && this.child.exitCode === null && this.child.signalCode === null; }

  /**
   * Spawns the process; resolves when its /readyz answers 200 (rejects if it exits first). A
   * start that fails (not ready in time) kills the process: no failed start leaves one behind.
   */
  async start(timeoutMs = 30_000): Promise<void> {
    this.exitCode = undefined;
    this.stopRequested = false;
    this.logFile = this.logPath ? createWriteStream(this.logPath, { flags: 'a' }) : undefined;
    // CPU_PROFILE_DIR: each node writes a V8 CPU profile there when it exits cleanly (stop()).
    const profile = process.env.CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CPU_PROFILE_DIR}`] : [];
    const argv = [process.execPath, ...NODE_V8_FLAGS, ...profile, MAILCLUSTER_BIN, 'node'];
    // in a cgroup: a shell joins it, then execs node (same PID, every socket created inside it)
    const [cmd, ...args] = this.cgroupDir ? ['/bin/sh', '-c', 'echo $$ > "$0" && exec "$@"', join(this.cgroupDir, 'cgroup.procs'), ...argv] : argv;
    const child = spawn(cmd!, args, {
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => this.onLine(line));
    let stderrTail = '';
    child.stderr!.on('data', (d: Buffer) => {
      this.logFile?.write(d);
      stderrTail = (stderrTail + d.toString()).slice(-600);
    });
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code, sig) => {
        this.exitCode = code;
        const lastLog = this.logs.at(-1);
        const why = stderrTail.trim() || (lastLog ? JSON.stringify(lastLog).slice(0, 400) : '');
        reject(new Error(`${this.name} exited (${code ?? sig}) before it started${why ? `: ${why}` : ''}`));
      }),
    );
    exited.catch(() => undefined);
    child.once('close', (code, signal) => {
      const line = { msg: 'process exited', supervisor: true, time: Date.now(), level: 30, name: this.name, pid: child.pid, code, signal };
      this.onLine(JSON.stringify(line));
      this.logFile?.end();
      this.logFile = undefined;
      this.emit('exit', { code, signal });
    });
    try {
      await Promise.race([this.waitReady(timeoutMs), exited]);
    } catch (err) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      throw err;
    }
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const bind = this.env.MAILCLUSTER_NODE_BIND_ADDRESS;
    const host = !bind || bind === '0.0.0.0' ? '127.0.0.1' : bind;
    const url = `http://${host}:${this.env.MAILCLUSTER_PORTS_ADMIN}/readyz`;
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (!this.running) throw new Error(`${this.name} is not running`);
      const ok = await fetch(url, { signal: AbortSignal.timeout(1000) }).then((r) => r.status === 200, () => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${this.name} not ready within ${timeoutMs} ms`);
  }

  private onLine(line: string): void {
    this.logFile?.write(`${line}\n`);
    let parsed: LogLine;
    try {
      parsed = JSON.parse(line) as LogLine;
    } catch {
      return;
    }
    this.logs.push(parsed);
    for (const w of [...this.waiters]) {
      if (w.test(parsed)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(parsed);
      }
    }
  }

  /** Resolves with the first log line (already seen or future) that matches. */
  waitForLog(test: (l: LogLine) => boolean, timeoutMs = 30_000, since = 0): Promise<LogLine> {
    const seen = this.logs.slice(since).find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = { test, resolve: (l: LogLine) => { clearTimeout(t); resolve(l); } };
      const t = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`${this.name}: no matching log line within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  private signal(sig: NodeJS.Signals): void {
    if (this.running) this.child!.kill(sig);
  }

  pause(): void { this.signal('SIGSTOP'); }
  resume(): void { this.signal('SIGCONT'); }

  /** SIGKILL: the process dies without releasing anything (its lease expires on its own). */
  async kill(): Promise<void> { await this.end('SIGKILL'); }

  /** SIGTERM: a clean shutdown (revokes its lease). */
  async stop(): Promise<void> {
    this.stopRequested = true;
    await this.end('SIGTERM');
  }

  private async end(sig: NodeJS.Signals): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((r) => c.once('close', () => r()));
    c.kill('SIGCONT');
    c.kill(sig);
    const t = setTimeout(() => c.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  }
}
