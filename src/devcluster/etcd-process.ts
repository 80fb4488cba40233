/**
 * A private single-member etcd for `mailcluster dev` and the cluster tests: free loopback ports,
 * its own data dir. start() resolves when etcd answers; stop() ends it (SIGTERM, then SIGKILL).
 * restart() keeps the data dir and ports, as an operator restarting etcd would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { ensureEtcd } from './etcd-binary.ts';
import { freePorts } from './ports.ts';

export class EtcdProcess {
  private child: ChildProcess | undefined;
  clientPort = 0;
  peerPort = 0;

  constructor(readonly dataDir: string, private readonly host = '127.0.0.1') {}

  get endpoint(): string { return `http://${this.host}:${this.clientPort}`; }
  get pid(): number | undefined { return this.child?.pid; }

  async start(): Promise<void> {
    const bin = ensureEtcd();
    if (!this.clientPort) {
      [this.clientPort, this.peerPort] = (await freePorts(2, this.host)) as [number, number];
    }
    mkdirSync(this.dataDir, { recursive: true });
    const peer = `http://${this.host}:${this.peerPort}`;
    const logFd = openSync(join(this.dataDir, '..', 'etcd.log'), 'a');
    this.child = spawn(
      bin,
      [
        '--name', 'dev',
        '--data-dir', join(this.dataDir, 'member-data'),
        '--listen-client-urls', this.endpoint,
        '--advertise-client-urls', this.endpoint,
        '--listen-peer-urls', peer,
        '--initial-advertise-peer-urls', peer,
        '--initial-cluster', `dev=${peer}`,
        '--heartbeat-interval', '50',
        '--election-timeout', '500',
      ],
      { stdio: ['ignore', logFd, logFd] },
    );
    await this.waitReady();
  }

  private async waitReady(): Promise<void> {
    const client = new Etcd3({ hosts: [this.endpoint] });
    try {
      const until = Date.now() + 20_000;
      for (;;) {
        if (this.child?.exitCode !== null && this.child?.exitCode !== undefined) throw new Error(`etcd exited with code ${this.child.exitCode} (see etcd.log)`);
        try {
          await client.get('/mailcluster-ping').string();
          return;
        } catch (err) {
          if (Date.now() > until) throw new Error(`etcd did not become ready: ${(err as Error).message}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    } finally {
      client.close();
    }
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
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
