/**
 * Bounded pipelining, from the attacker's side: one unauthenticated connection that sends 30 MB of
 * commands and never reads a reply (IMAP, POP3, SMTP, submission) must not grow the node by more
 * than 32 MB (IMAP grew by ~900 MB,
 * for good, when every command was queued and every reply buffered), and the node keeps serving
 * others.
 *
 * What is measured: the node's RSS while the flood is still connected and stuck, polled until it
 * is under the bound (at most 20 s). The commands the node does serve before the kernel's buffers
 * fill make V8 grow its heap for a while (a client that reads its replies and sends as many NOOPs
 * grows it more); that headroom is returned once allocation stops. What the flood itself holds
 * (queue, unsent replies, unread input) is bounded and stays. The peak is printed too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { startTestCluster, type TestCluster } from '../harness/cluster.ts';

const TOTAL = 30 * 1024 * 1024;
const BOUND = 32 * 1024 * 1024;
const mib = (n: number): string => (n / 1048576).toFixed(1);
let c: TestCluster;
beforeAll(async () => {
  c = await startTestCluster({ nodes: 1 });
});
afterAll(async () => c?.stop());

function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.split(/\s+/)[1]) * 1024;
}

/** Writes `command` repeatedly up to `total` bytes, never reading; stops once the server has not taken data for 3 s. */
async function flood(port: number, command: string, total: number): Promise<{ socket: Socket; sent: number }> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.pause(); // never read a reply
  await new Promise((r) => socket.once('connect', r));
  const chunk = Buffer.from(command.repeat(Math.floor(65536 / command.length)));
  let sent = 0;
  while (sent < total && !socket.destroyed) {
    if (!socket.write(chunk)) {
      const drained = await Promise.race([new Promise((r) => socket.once('drain', () => r(true))), new Promise((r) => setTimeout(() => r(false), 3000))]);
      if (!drained) break; // the server stopped reading: the kernel's buffers are full
    }
    sent += chunk.length;
  }
  return { socket, sent };
}

async function greets(port: number, expected: RegExp): Promise<void> {
  const s = connect(port, '127.0.0.1');
  const line = await new Promise<string>((resolve, reject) => {
    s.once('data', (d: Buffer) => resolve(d.toString()));
    s.once('error', reject);
  });
  s.destroy();
  expect(line).toMatch(expected);
}

describe('a client that pipelines without reading', () => {
  it.each([
    ['IMAP', 'MAILCLUSTER_PORTS_IMAP', 'a NOOP\r\n', /^\* OK/],
    ['POP3', 'MAILCLUSTER_PORTS_POP3', 'CAPA\r\n', /^\+OK/],
    ['SMTP', 'MAILCLUSTER_PORTS_SMTP', 'NOOP\r\n', /^220/],
    ['submission', 'MAILCLUSTER_PORTS_SUBMISSION', 'NOOP\r\n', /^220/],
  ])('on %s grows the node by less than 32 MB and does not stop it serving others', async (_name, portVar, command, greeting) => {
    const node = c.nodes[0]!;
    const port = Number(node.env[portVar]);
    const pid = node.pid!;
    // Warm up first (code compiled, buffers allocated for this protocol's path), so the figure is
    // what the flood itself keeps, not what serving the first commands costs once.
    const warm = await flood(port, command, 2 * 1024 * 1024);
    warm.socket.destroy();
    await new Promise((r) => setTimeout(r, 1000));
    const before = rssBytes(pid);
    let peak = before;
    const sampler = setInterval(() => void (peak = Math.max(peak, rssBytes(pid))), 50);
    const { socket, sent } = await flood(port, command, TOTAL);
    clearInterval(sampler);
    const deadline = Date.now() + 20_000;
    let grown = rssBytes(pid) - before;
    while (grown >= BOUND && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      grown = rssBytes(pid) - before;
    }
    console.log(`${_name}: client wrote ${mib(sent)} MiB without reading; node RSS grew ${mib(grown)} MiB held (peak ${mib(peak - before)} MiB)`);
    expect(grown).toBeLessThan(BOUND);
    await greets(port, greeting); // another client is still served while the flood is stuck
    socket.destroy();
  });
});
