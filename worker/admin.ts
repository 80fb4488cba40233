/**
 * The node's HTTP admin listener: /healthz (the process is up), /readyz (registered with a live
 * lease, the cluster view loaded, storage writable) and /metrics (Prometheus text format).
 */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { closeHttp, listenHttp } from '../src/util/http.ts';

export interface ReadinessProbe { (): { ready: boolean; checks: Record<string, boolean> } }

export class AdminServer {
  private readonly server: Server;

  constructor(readiness: ReadinessProbe, metrics?: Registry) {
    this.server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (req.method === 'GET' && path === '/metrics' && metrics) {
        metrics.metrics().then(
          (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
          () => res.writeHead(500).end(),
        );
      } else if (req.method === 'GET' && path === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      } else if (req.method === 'GET' && path === '/readyz') {
        const r = readiness();
        res.writeHead(r.ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(r));
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      }
    });
  }

  listen(port: number, host: string): Promise<number> {
    return listenHttp(this.server, port, host);
  }

  close(): Promise<void> {
    return closeHttp(this.server);
  }
}
