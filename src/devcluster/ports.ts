import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

/**
 * Ports for listeners a process will bind later (dev cluster, tests). They are chosen *below* the
 * kernel's ephemeral range: a port the OS hands out for `listen(0)` comes from that range, and so
 * does the local port of every outgoing connection, so between choosing a port there and binding
 * it, any connection on the machine could take it (EADDRINUSE in parallel test runs). Below the
 * range only another explicit choice can collide, and each candidate is checked by binding it.
 */
function candidateRange(): [number, number] {
  let low = 32768;
  try {
    low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || low;
  } catch {
    // not Linux: the IANA dynamic range starts at 49152; the default low bound is a safe guess
  }
  const hi = Math.max(2048, low - 1);
  return [Math.max(1024, hi - 15_000), hi];
}

function tryListen(port: number, host: string): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(undefined));
    s.listen({ port, host, exclusive: true }, () => resolve(s));
  });
}

/**
 * `count` distinct TCP ports that were free a moment ago on `host`. All are held open together
 * while choosing, so one call never returns the same port twice.
 */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const [lo, hi] = candidateRange();
  const servers: Server[] = [];
  const ports: number[] = [];
  try {
    for (let tries = 0; ports.length < count; tries++) {
      if (tries > count * 200) throw new Error(`no ${count} free ports between ${lo} and ${hi} on ${host}`);
      const port = lo + Math.floor(Math.random() * (hi - lo + 1));
      if (ports.includes(port)) continue;
      const s = await tryListen(port, host);
      if (!s) continue;
      servers.push(s);
      ports.push(port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(() => r(undefined)))));
  }
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return (await freePorts(1, host))[0]!;
}
