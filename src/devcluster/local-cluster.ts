/**
 * A local cluster on one machine: a private etcd plus N node processes named like StatefulSet pods
 * (mail-0 …), sharing one data directory. Used by `mailcluster dev` and by the cluster tests.
 * `etcdMembers: 3` runs a 3-member etcd (EtcdCluster) instead of one member; `restart: true`
 * supervises every node and etcd member (a process that dies is started again, see Supervisor).
 * etcd runs with TLS and client-certificate authentication (clients and peers) unless
 * `etcdTls: false`; nodes and the CLI get the client certificate through the config.
 *
 * Layout of `dataDir`: etcd/ (etcd's data; etcd/etcd-N/ per member), etcd-pki/ (etcd's CA,
 * server/ and client/ certificates, see etcd-pki.ts), node-pki/ (the cluster CA and one
 * certificate per node for the internal links, see src/cluster/pki/node-pki.ts), shared/ (the shared storage root), logs/ (one log per
 * node), secret (0600), mailcluster.json (client config for the CLI), cluster.json (endpoints and
 * ports, written once every node is up).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EtcdProcess } from './etcd-process.ts';
import { EtcdCluster } from './etcd-cluster.ts';
import { ensureLocalEtcdPki, etcdPkiFiles, type EtcdClientTls, type EtcdPkiFiles } from './etcd-pki.ts';
import type { EtcdOptions } from '../cluster/etcd.ts';
import { Supervisor, type SupervisorEvent } from './supervisor.ts';
import { NodeProcess } from './node-process.ts';
import { freePorts } from './ports.ts';
import { ensureNodePki, nodePkiFiles } from '../cluster/pki/node-pki.ts';

export interface LocalClusterOptions {
  nodes: number;
  dataDir: string;
  cluster?: string;
  /** Extra MAILCLUSTER_* settings for every node (e.g. short leases in tests). */
  env?: Record<string, string>;
  /** Per-node roles; default symmetric. */
  roles?: string[];
  /** Members of the private etcd (default 1). */
  etcdMembers?: number;
  /** etcd with TLS and client-certificate auth (default true); false = plain gRPC. */
  etcdTls?: boolean;
  /** Restart nodes and etcd members that die (default false). */
  restart?: boolean;
  /** A cgroup v2 directory: each node starts in its own child cgroup `<cgroupRoot>/<node>` (tests). */
  cgroupRoot?: string;
  /** Receives every exit and restart the supervisor sees. */
  onSupervisorEvent?: (e: SupervisorEvent) => void;
}

/** Every listener a node has, in the order ports are handed out. */
export const PORTS = ['rpc', 'admin', 'smtp', 'lmtp', 'peer', 'submission', 'submissions', 'imap', 'imaps', 'pop3', 'pop3s'] as const;

export interface ClusterFile {
  cluster: string;
  etcd: { endpoints: string[] } & Partial<EtcdClientTls>;
  nodes: Array<{ name: string; address: string; ports: Record<string, number> }>;
}

export class LocalCluster {
  /** The etcd (the first member of a multi-member etcd). */
  readonly etcd: EtcdProcess;
  /** Every etcd member (one unless etcdMembers was given). */
  readonly etcdMembers: EtcdProcess[];
  readonly etcdCluster: EtcdCluster | undefined;
  readonly supervisor: Supervisor | undefined;
  readonly nodes: NodeProcess[] = [];
  readonly dataDir: string;
  readonly cluster: string;
  secret = '';
  /** etcd's certificate files (made in start()), or undefined without TLS. */
  readonly etcdPki: EtcdPkiFiles | undefined;

  constructor(private readonly o: LocalClusterOptions) {
    this.dataDir = resolve(o.dataDir);
    this.cluster = o.cluster ?? 'dev';
    if (o.etcdTls ?? true) this.etcdPki = etcdPkiFiles(join(this.dataDir, 'etcd-pki'));
    const tls = this.etcdPki ? { tls: this.etcdPki } : {};
    const members = o.etcdMembers ?? 1;
    if (members > 1) {
      this.etcdCluster = new EtcdCluster(join(this.dataDir, 'etcd'), members, join(this.dataDir, 'logs'), '127.0.0.1', this.etcdPki);
      this.etcdMembers = this.etcdCluster.members;
    } else {
      this.etcdMembers = [new EtcdProcess(join(this.dataDir, 'etcd'), tls)];
    }
    this.etcd = this.etcdMembers[0]!;
    if (o.restart) this.supervisor = new Supervisor({ ...(o.onSupervisorEvent ? { report: o.onSupervisorEvent } : {}) });
  }

  /** Client URLs of every etcd member. */
  get etcdEndpoints(): string[] { return this.etcdMembers.map((m) => m.endpoint); }

  /** What createEtcd needs to reach this cluster's etcd (endpoints and client certificate). */
  etcdClientOptions(requestTimeoutMs = 3000): EtcdOptions {
    return { endpoints: this.etcdEndpoints, requestTimeoutMs, ...this.etcdPki?.client };
  }

  node(name: string): NodeProcess {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  async start(): Promise<void> {
    for (const d of ['shared', 'logs']) mkdirSync(join(this.dataDir, d), { recursive: true });
    this.secret = this.loadSecret();
    if (this.etcdPki) await ensureLocalEtcdPki(join(this.dataDir, 'etcd-pki'), this.cluster);
    if (this.etcdCluster) await this.etcdCluster.start();
    else await this.etcd.start();
    this.writeClientConfig();
    const ports = await freePorts(PORTS.length * this.o.nodes);
    await ensureNodePki(this.nodePkiDir, this.cluster, Array.from({ length: this.o.nodes }, (_, i) => `mail-${i}`));
    for (let i = 0; i < this.o.nodes; i++) this.nodes.push(this.makeNode(`mail-${i}`, this.o.roles?.[i], ports.slice(PORTS.length * i, PORTS.length * (i + 1))));
    await Promise.all(this.nodes.map((n) => this.startNode(n)));
    for (const p of [...this.etcdMembers, ...this.nodes]) this.supervisor?.watch(p);
    this.writeClusterFile();
  }

  /** DIR/node-pki: the cluster CA (with its key) and the nodes' certificates. */
  get nodePkiDir(): string { return join(this.dataDir, 'node-pki'); }

  /**
   * Environment a node gets: exactly what the Kubernetes manifests set, with local values. Its
   * certificate must be in nodePkiDir (start() issues mail-0 …; ensureNodePki for other names).
   */
  makeNode(name: string, role = 'symmetric', ports: number[]): NodeProcess {
    const pki = nodePkiFiles(this.nodePkiDir, name);
    const env: Record<string, string> = {
      MAILCLUSTER_CLUSTER_NAME: this.cluster,
      MAILCLUSTER_CLUSTER_SECRET: this.secret,
      MAILCLUSTER_CLUSTER_CA_FILE: pki.caFile,
      MAILCLUSTER_CLUSTER_CERT_FILE: pki.certFile,
      MAILCLUSTER_CLUSTER_KEY_FILE: pki.keyFile,
      MAILCLUSTER_NODE_NAME: name,
      MAILCLUSTER_NODE_ROLE: role,
      MAILCLUSTER_NODE_ADVERTISE_ADDRESS: '127.0.0.1',
      MAILCLUSTER_NODE_BIND_ADDRESS: '127.0.0.1',
      MAILCLUSTER_ETCD_ENDPOINTS: this.etcdEndpoints.join(','),
      ...(this.etcdPki
        ? { MAILCLUSTER_ETCD_CA_FILE: this.etcdPki.client.caFile, MAILCLUSTER_ETCD_CERT_FILE: this.etcdPki.client.certFile, MAILCLUSTER_ETCD_KEY_FILE: this.etcdPki.client.keyFile }
        : {}),
      ...Object.fromEntries(PORTS.map((p, i) => [`MAILCLUSTER_PORTS_${p.toUpperCase()}`, String(ports[i])])),
      MAILCLUSTER_STORAGE_ROOT: join(this.dataDir, 'shared'),
      // loopback only: let local clients log in without TLS
      MAILCLUSTER_IMAP_ALLOW_PLAINTEXT_AUTH: 'true',
      MAILCLUSTER_POP3_ALLOW_PLAINTEXT_AUTH: 'true',
      ...this.o.env,
    };
    const node = new NodeProcess(name, env, join(this.dataDir, 'logs', `${name}.log`));
    if (this.o.cgroupRoot) {
      node.cgroupDir = join(this.o.cgroupRoot, name);
      mkdirSync(node.cgroupDir, { recursive: true });
    }
    return node;
  }

  /**
   * Starts a node; if it exits before it is ready (a port picked as free was taken meanwhile by
   * another process, which parallel test files make likely), retries twice with fresh ports.
   */
  async startNode(n: NodeProcess): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await n.start();
      } catch (err) {
        if (attempt >= 3 || n.running || n.stopping) throw err;
        const ports = await freePorts(PORTS.length);
        PORTS.forEach((p, i) => (n.env[`MAILCLUSTER_PORTS_${p.toUpperCase()}`] = String(ports[i])));
      }
    }
  }

  clusterFile(): ClusterFile {
    return {
      cluster: this.cluster,
      etcd: { endpoints: this.etcdEndpoints, ...this.etcdPki?.client },
      nodes: this.nodes.map((n) => ({
        name: n.name,
        address: n.env.MAILCLUSTER_NODE_ADVERTISE_ADDRESS ?? '127.0.0.1',
        ports: Object.fromEntries(PORTS.map((p) => [p, Number(n.env[`MAILCLUSTER_PORTS_${p.toUpperCase()}`])])),
      })),
    };
  }

  writeClusterFile(): void {
    writeFileSync(join(this.dataDir, 'cluster.json'), `${JSON.stringify(this.clusterFile(), null, 2)}\n`);
    this.writeClientConfig();
  }

  /** Every node's admin URL, for the CLI (which tries them in order). */
  adminUrls(): string[] {
    return this.nodes.map((n) => `http://${n.env.MAILCLUSTER_NODE_ADVERTISE_ADDRESS ?? '127.0.0.1'}:${n.env.MAILCLUSTER_PORTS_ADMIN}`);
  }

  /** DIR/mailcluster.json: the CLI's config (secret, etcd, admin URLs), readable by the owner only. */
  private writeClientConfig(): void {
    const config = { cluster: { name: this.cluster, secret: this.secret }, etcd: { endpoints: this.etcdEndpoints, ...this.etcdPki?.client }, admin: { urls: this.adminUrls() } };
    writeFileSync(join(this.dataDir, 'mailcluster.json'), JSON.stringify(config, null, 2), { mode: 0o600 });
  }

  async stop(): Promise<void> {
    this.supervisor?.close();
    await Promise.allSettled(this.nodes.map((n) => n.stop()));
    await Promise.allSettled(this.etcdMembers.map((m) => m.stop()));
  }

  private loadSecret(): string {
    const file = join(this.dataDir, 'secret');
    if (existsSync(file)) return readFileSync(file, 'utf8').trim();
    const s = randomBytes(32).toString('base64url');
    writeFileSync(file, `${s}\n`, { mode: 0o600 });
    return s;
  }
}
