/**
 * `mailcluster dev --restart --etcd-members 3`, as a person trying failover runs it: a 3-member
 * etcd (three real etcd processes) and 3 nodes. kill -9 of the controller node and of an etcd
 * member — the etcd Raft leader — brings both back (the supervisor prints their new PIDs), the
 * cluster elects a controller again, and mail sent after the kills is delivered and read by POP3.
 * etcd runs with TLS and client-certificate auth (clients and peers): the restarted member rejoins
 * over peer TLS, and this test reaches the members with the client certificate from cluster.json.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import { Etcd3 } from 'etcd3';
import { etcdCredentials } from '../../src/cluster/etcd.ts';
import { MAILCLUSTER_BIN } from '../../src/devcluster/node-process.ts';
import type { ClusterFile } from '../../src/devcluster/local-cluster.ts';
import { Pop3Client } from '../harness/pop3.ts';

type Etcd3Credentials = NonNullable<ReturnType<typeof etcdCredentials>>;

const dir = mkdtempSync(join(tmpdir(), 'mailcluster-dev-supervised-'));
const data = join(dir, 'data');
const dev = spawn(process.execPath, [MAILCLUSTER_BIN, 'dev', '--nodes', '3', '--etcd-members', '3', '--restart', '--data', data, '--lease-ttl', '3'], { stdio: ['ignore', 'pipe', 'pipe'] });
let out = '';
dev.stdout.on('data', (d: Buffer) => (out += d.toString()));
dev.stderr.on('data', (d: Buffer) => (out += d.toString()));

afterAll(async () => {
  if (dev.exitCode === null) {
    const exited = new Promise((r) => dev.once('exit', r));
    dev.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
    if (dev.exitCode === null) dev.kill('SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
});

async function until<T>(what: string, f: () => T | Promise<T>, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== null && v !== false) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; dev output:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The etcd member that leads, by asking each endpoint for its status. */
async function etcdLeader(endpoints: string[], credentials: Etcd3Credentials): Promise<string | undefined> {
  for (const e of endpoints) {
    const c = new Etcd3({ hosts: [e], dialTimeout: 1000, credentials });
    try {
      const s = await c.maintenance.status();
      if (s.leader === s.header.member_id) return e;
    } catch { /* down */ } finally {
      c.close();
    }
  }
  return undefined;
}

it('restarts a killed controller node and a killed etcd leader; the cluster serves mail again', async () => {
  await until('ready', () => /mailcluster dev: ready \(3 nodes, controller (mail-\d)\)/.exec(out), 90_000);
  const controller = /controller (mail-\d)\)/.exec(out)![1]!;
  const nodePid = Number(new RegExp(`^ +${controller} \\* +(\\d+)`, 'm').exec(out)![1]);
  const members = [...out.matchAll(/etcd member (etcd-\d) +pid (\d+) +(https:\S+)/g)].map((m) => ({ name: m[1]!, pid: Number(m[2]), endpoint: m[3]! }));
  expect(members).toHaveLength(3);
  const file = JSON.parse(readFileSync(join(data, 'cluster.json'), 'utf8')) as ClusterFile;
  expect(file.etcd.endpoints).toEqual(members.map((m) => m.endpoint));
  const credentials = etcdCredentials(file.etcd)!;
  expect(credentials.certChain).toBeDefined();
  const leaderEndpoint = await until('an etcd leader', () => etcdLeader(members.map((m) => m.endpoint), credentials));
  const leader = members.find((m) => m.endpoint === leaderEndpoint)!;

  process.kill(nodePid, 'SIGKILL');
  process.kill(leader.pid, 'SIGKILL');
  const nodeBack = await until('the node restarted', () => new RegExp(`supervisor: ${controller} restarted, pid (\\d+)`).exec(out));
  const etcdBack = await until('the etcd member restarted', () => new RegExp(`supervisor: ${leader.name} restarted, pid (\\d+)`).exec(out));
  expect(out).toContain(`supervisor: ${controller} exited (SIGKILL)`);
  expect(out).toContain(`supervisor: ${leader.name} exited (SIGKILL)`);
  expect(Number(nodeBack[1])).not.toBe(nodePid);
  expect(Number(etcdBack[1])).not.toBe(leader.pid);
  // the restarted member serves reads again (it rejoined the Raft group)
  await until('the restarted member answers', async () => {
    const c = new Etcd3({ hosts: [leader.endpoint], dialTimeout: 1000, credentials });
    try {
      return await c.get('/mailcluster-ping').string().then(() => true, () => undefined);
    } finally {
      c.close();
    }
  });

  // mail through the restarted node, read back through another node's POP3
  const demo = JSON.parse(readFileSync(join(data, 'demo-accounts.json'), 'utf8')) as Array<{ address: string; password: string }>;
  const alice = demo[0]!;
  const via = file.nodes.find((n) => n.name === controller)!;
  const other = file.nodes.find((n) => n.name !== controller)!;
  const t = nodemailer.createTransport({ host: '127.0.0.1', port: via.ports.smtp!, secure: false, ignoreTLS: true });
  const info = await until('the restarted node accepts mail', () => t.sendMail({ from: 'x@remote.test', to: alice.address, subject: 'after the kills', text: 'hello' }).catch(() => undefined), 30_000);
  t.close();
  expect(info.accepted).toEqual([alice.address]);
  const count = await until('the message in the POP3 maildrop', async () => {
    const { client } = await Pop3Client.open(other.ports.pop3!);
    try {
      const r = await client.login(alice.address, alice.password);
      const n = Number(/^\+OK maildrop has (\d+) messages/.exec(r)?.[1] ?? 0);
      return n >= 1 ? n : undefined;
    } finally {
      client.close();
    }
  });
  expect(count).toBe(1);
}, 180_000);
