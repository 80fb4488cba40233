/**
 * A TCP proxy between one node and etcd whose replies can be held, as a slow network would hold
 * them: while `hold()` is in force every byte the node sends still reaches etcd at once (its
 * keep-alives refresh the lease, its transactions are evaluated by etcd when they arrive) but
 * nothing etcd answers or pushes (replies, watch events) reaches the node until `release()`.
 * A node configured with `endpoint` cannot tell it from etcd.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export class EtcdReplyHolder {
  private readonly upstreams = new Set<Socket>();
  private readonly sockets = new Set<Socket>();
  private holding = false;
  /** Bytes the node sent to etcd so far. */
  bytesUp = 0;

  private constructor(private readonly server: Server, private readonly target: URL) {
    server.on('connection', (client) => this.pipe(client));
  }

  /** Listens on a free loopback port and forwards to `etcdEndpoint` (http://host:port). */
  static async start(etcdEndpoint: string): Promise<EtcdReplyHolder> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
    return new EtcdReplyHolder(server, new URL(etcdEndpoint));
  }

  /** The endpoint to give the node instead of etcd's. */
  get endpoint(): string {
    const a = this.server.address();
    if (!a || typeof a === 'string') throw new Error('proxy not listening');
    return `${this.target.protocol}//127.0.0.1:${a.port}`;
  }

  private pipe(client: Socket): void {
    const upstream = createConnection({ host: this.target.hostname, port: Number(this.target.port) });
    this.sockets.add(client).add(upstream);
    this.upstreams.add(upstream);
    if (this.holding) upstream.pause();
    client.on('data', (d: Buffer) => {
      this.bytesUp += d.length;
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => client.write(d));
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
      this.upstreams.delete(upstream);
    };
    for (const s of [client, upstream]) s.on('close', end).on('error', end);
  }

  /** From now on etcd's bytes wait (in the socket buffers) until release(). */
  hold(): void {
    this.holding = true;
    for (const u of this.upstreams) u.pause();
  }

  /** Delivers everything held, in order, and forwards freely again. */
  release(): void {
    this.holding = false;
    for (const u of this.upstreams) u.resume();
  }

  async close(): Promise<void> {
    this.release();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
