/**
 * One etcd process for `mailcluster dev` and the cluster tests: free loopback ports, its own data
 * dir. Alone it is a private single-member etcd; given `initialCluster` it is one member of a
 * multi-member etcd (see EtcdCluster). start() resolves when etcd answers (for a member: when the
 * cluster has quorum); stop() ends it (SIGTERM, then SIGKILL); kill() is SIGKILL, as a crash.
 * restart() keeps the data dir and ports, as an operator restarting etcd would.
 * Emits `exit` ({ code, signal }) whenever the process ends, for a Supervisor (which restarts it
 * unless stop() asked for the exit).
 * With `tls`, clients and peers speak TLS and must present a certificate of the same CA
 * (`--client-cert-auth`, `--peer-client-cert-auth`): endpoint and peer URL are https://, and
 * clientTls is what a client needs (the files are made beforehand, see etcd-pki.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { etcdCredentials } from '../cluster/etcd.ts';
import { ensureEtcd } from './etcd-binary.ts';
import type { EtcdPkiFiles, EtcdClientTls } from './etcd-pki.ts';
import { freePorts } from './ports.ts';

export interface EtcdProcessOptions {
  host?: string;
  /** Member name (default "dev"). */
  name?: string;
  /** `--initial-cluster` of a multi-member etcd; ports must then be chosen before start(). */
  initialCluster?: string;
  /** Where etcd's own output goes (default DATADIR/../etcd.log). */
  logPath?: string;
  /** Run with TLS and client-certificate authentication from these files. */
  tls?: EtcdPkiFiles;
}

export interface ExitInfo { code: number | null; signal: NodeJS.Signals | null }

export class EtcdProcess extends EventEmitter<{ exit: [ExitInfo] }> {
  private child: ChildProcess | undefined;
  clientPort = 0;
  peerPort = 0;
  private readonly host: string;
  readonly name: string;
  /** `--initial-cluster` of a multi-member etcd (set by EtcdCluster once every member has ports). */
  initialCluster: string | undefined;

  constructor(readonly dataDir: string, private readonly o: EtcdProcessOptions = {}) {
    super();
    this.host = o.host ?? '127.0.0.1';
    this.name = o.name ?? 'dev';
    this.initialCluster = o.initialCluster;
  }

  private get scheme(): string { return this.o.tls ? 'https' : 'http'; }
  get endpoint(): string { return `${this.scheme}://${this.host}:${this.clientPort}`; }
  get peerUrl(): string { return `${this.scheme}://${this.host}:${this.peerPort}`; }
  /** The client certificate files for this etcd, or undefined when it runs without TLS. */
  get clientTls(): EtcdClientTls | undefined { return this.o.tls?.client; }
  get pid(): number | undefined { return this.child?.pid; }
  get running(): boolean { return !!this.child && this.child.exitCode === null && this.child.signalCode === null; }

  /** Spawns etcd; resolves when it answers a read (needs quorum for a member). */
  async start(readyTimeoutMs = 20_000): Promise<void> {
    if (!this.initialCluster) await this.choosePorts();
    this.spawn();
    await this.waitReady(readyTimeoutMs);
  }

  /** Spawns etcd without waiting (members of a new cluster must all be spawned before any is ready). */
  spawn(): void {
    this.stopRequested = false;
    const bin = ensureEtcd();
    if (!this.clientPort && this.initialCluster) throw new Error(`etcd member ${this.name}: ports must be chosen before start`);
    mkdirSync(this.dataDir, { recursive: true });
    const logFd = openSync(this.o.logPath ?? join(this.dataDir, '..', 'etcd.log'), 'a');
    const child = spawn(
      bin,
      [
        '--name', this.name,
        '--data-dir', join(this.dataDir, 'member-data'),
        '--listen-client-urls', this.endpoint,
        '--advertise-client-urls', this.endpoint,
        '--listen-peer-urls', this.peerUrl,
        '--initial-advertise-peer-urls', this.peerUrl,
        '--initial-cluster', this.initialCluster ?? `${this.name}=${this.peerUrl}`,
        '--initial-cluster-token', 'mailcluster-dev',
        '--heartbeat-interval', '50',
        '--election-timeout', '500',
        ...this.tlsArgs(),
      ],
      { stdio: ['ignore', logFd, logFd] },
    );
    closeSync(logFd);
    this.child = child;
    child.once('exit', (code, signal) => this.emit('exit', { code, signal }));
  }

  private tlsArgs(): string[] {
    const t = this.o.tls?.server;
    if (!t) return [];
    return [
      '--cert-file', t.certFile, '--key-file', t.keyFile, '--trusted-ca-file', t.caFile, '--client-cert-auth',
      '--peer-cert-file', t.certFile, '--peer-key-file', t.keyFile, '--peer-trusted-ca-file', t.caFile, '--peer-client-cert-auth',
    ];
  }

  /** A client of this member (TLS with the client certificate when it has TLS); the caller closes it. */
  client(dialTimeoutMs: number): Etcd3 {
    const credentials = etcdCredentials(this.clientTls ?? {});
    return new Etcd3({ hosts: [this.endpoint], dialTimeout: dialTimeoutMs, ...(credentials ? { credentials } : {}) });
  }

  /** Chooses the client and peer ports (once; restarts keep them). */
  async choosePorts(): Promise<void> {
    if (!this.clientPort) [this.clientPort, this.peerPort] = (await freePorts(2, this.host)) as [number, number];
  }

  async waitReady(timeoutMs = 20_000): Promise<void> {
    const client = this.client(1000);
    try {
      const until = Date.now() + timeoutMs;
      for (;;) {
        if (!this.running) throw new Error(`etcd ${this.name} exited with code ${this.child?.exitCode ?? this.child?.signalCode} (see its etcd log)`);
        try {
          await client.get('/mailcluster-ping').string();
          return;
        } catch (err) {
          if (Date.now() > until) throw new Error(`etcd ${this.name} did not become ready: ${(err as Error).message}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    } finally {
      client.close();
    }
  }

  /** True from stop() until the next start(): an exit now is wanted, a Supervisor leaves it. */
  get stopping(): boolean { return this.stopRequested; }
  private stopRequested = false;

  /** A clean stop (SIGTERM; SIGKILL after 5 s). A Supervisor does not restart it. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    await this.end('SIGTERM');
  }

  /** SIGKILL: etcd dies as in a crash (its data dir stays); a Supervisor restarts it. */
  async kill(): Promise<void> { await this.end('SIGKILL'); }

  private async end(signal: NodeJS.Signals): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGCONT');
    c.kill(signal);
    const t = setTimeout(() => c.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}
