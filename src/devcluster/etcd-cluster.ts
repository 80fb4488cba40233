/**
 * A multi-member etcd on this machine (`mailcluster dev --etcd-members 3`, the chaos suite): each
 * member a real etcd process with its own data dir (DIR/etcd-N) and its own free client and peer
 * ports. start() spawns every member at once (none is ready before a quorum runs) and resolves
 * when each answers. leader() asks the members which one leads.
 */
import { join } from 'node:path';
import { EtcdProcess } from './etcd-process.ts';
import type { EtcdPkiFiles } from './etcd-pki.ts';

export class EtcdCluster {
  readonly members: EtcdProcess[] = [];

  /** With `tls`, every member serves clients and peers over TLS with client-certificate auth. */
  constructor(readonly dir: string, readonly size: number, logDir: string, private readonly host = '127.0.0.1', tls?: EtcdPkiFiles) {
    for (let i = 0; i < size; i++) {
      this.members.push(new EtcdProcess(join(dir, `etcd-${i}`), { name: `etcd-${i}`, host, logPath: join(logDir, `etcd-${i}.log`), initialCluster: 'chosen in start()', ...(tls ? { tls } : {}) }));
    }
  }

  get endpoints(): string[] { return this.members.map((m) => m.endpoint); }

  member(name: string): EtcdProcess {
    const m = this.members.find((x) => x.name === name);
    if (!m) throw new Error(`no etcd member ${name}`);
    return m;
  }

  async start(): Promise<void> {
    for (const m of this.members) await m.choosePorts();
    const initial = this.members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
    for (const m of this.members) m.initialCluster = initial;
    for (const m of this.members) m.spawn();
    await Promise.all(this.members.map((m) => m.waitReady(30_000)));
  }

  /** The member that is the Raft leader now, or undefined (no quorum, election under way). */
  async leader(timeoutMs = 1500): Promise<EtcdProcess | undefined> {
    for (const m of this.members) {
      if (!m.running) continue;
      const client = m.client(timeoutMs);
      try {
        const s = await Promise.race([
          client.maintenance.status(),
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error('status timed out')), timeoutMs)),
        ]);
        if (s.leader !== '0' && s.leader === s.header.member_id) return m;
      } catch {
        // this member is down or cut off: ask the next
      } finally {
        client.close();
      }
    }
    return undefined;
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.members.map((m) => m.stop()));
  }
}
