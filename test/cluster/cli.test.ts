/**
 * The operator's first contact: `mailcluster dev` brings up etcd and 3 nodes, prints `ready` and
 * writes cluster.json; status / where / step-down work against it with the config it wrote;
 * SIGTERM stops every process it started.
 */
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { MAILCLUSTER_BIN } from '../../src/devcluster/node-process.ts';
import type { ClusterFile } from '../../src/devcluster/local-cluster.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'mailcluster-dev-'));
const data = join(dir, 'data');
const dev = spawn(process.execPath, [MAILCLUSTER_BIN, 'dev', '--nodes', '3', '--data', data, '--lease-ttl', '3'], { stdio: ['ignore', 'pipe', 'pipe'] });
let out = '';
dev.stdout.on('data', (d: Buffer) => (out += d.toString()));
dev.stderr.on('data', (d: Buffer) => (out += d.toString()));

/** Child pids of `parent`, from /proc (no dependency on procps). */
function childrenOf(parent: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The dev cluster's node processes (its children other than etcd). */
function nodePids(): number[] {
  return childrenOf(dev.pid!).filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('node'));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const cli = (...args: string[]) => run(process.execPath, [MAILCLUSTER_BIN, '-c', join(data, 'mailcluster.json'), ...args], { encoding: 'utf8' });

afterAll(() => {
  if (dev.exitCode === null) dev.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('mailcluster dev and the operator CLI', () => {
  it('starts a cluster and reports ready with cluster.json', async () => {
    await expect.poll(() => out, { timeout: 45_000, interval: 100 }).toMatch(/ready/);
    const file = JSON.parse(readFileSync(join(data, 'cluster.json'), 'utf8')) as ClusterFile;
    expect(file.nodes.map((n) => n.name)).toEqual(['mail-0', 'mail-1', 'mail-2']);
    expect(file.etcd.endpoints[0]).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(file.etcd.certFile).toBe(join(data, 'etcd-pki', 'client', 'tls.crt'));
    expect(out).toMatch(/demo domain example\.test: alice@example\.test \/ \S+, bob@example\.test \/ \S+/);
    for (const n of file.nodes) {
      expect(Object.keys(n.ports).sort()).toEqual(['admin', 'imap', 'imaps', 'lmtp', 'peer', 'pop3', 'pop3s', 'rpc', 'smtp', 'submission', 'submissions']);
      const health = await fetch(`http://${n.address}:${n.ports.admin}/healthz`);
      expect(health.status).toBe(200);
    }
  });

  it('prints a table of its nodes with PID and ports, and the MAILCLUSTER_CONFIG line for the CLI', async () => {
    await expect.poll(() => out, { timeout: 45_000, interval: 100 }).toMatch(/ready/);
    expect(out).toMatch(/^\s+NODE\s+PID\s+ADDRESS\s+SMTP\s+SUBMIT\s+SUBMITS\s+IMAP\s+IMAPS\s+POP3\s+POP3S\s+ADMIN$/m);
    const file = JSON.parse(readFileSync(join(data, 'cluster.json'), 'utf8')) as ClusterFile;
    const children = childrenOf(dev.pid!);
    for (const n of file.nodes) {
      const p = n.ports;
      const row = new RegExp(`^\\s+${n.name}( \\*)?\\s+(\\d+)\\s+${n.address.replaceAll('.', '\\.')}\\s+${[p.smtp, p.submission, p.submissions, p.imap, p.imaps, p.pop3, p.pop3s, p.admin].join('\\s+')}$`, 'm').exec(out);
      expect(row, `row of ${n.name}`).not.toBeNull();
      expect(children).toContain(Number(row![2])); // the PID to kill -9 is the node's process
    }
    expect(out.match(/^\s+mail-\d \*/gm)).toHaveLength(1);
    const line = /^\s+export MAILCLUSTER_CONFIG=(\S+)$/m.exec(out);
    expect(line?.[1]).toBe(join(data, 'mailcluster.json'));
  });

  it('status shows three nodes with one controller, as a table and as JSON', async () => {
    const { stdout } = await cli('status');
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+ADDRESS\s+HOST\s+PID\s+ROLE\s+STATE\s+UPTIME\s+LOAD\s+MEM\s+DISK\s+OPEN\s+SESSIONS$/);
    expect(lines).toHaveLength(5);
    expect(lines.filter((l) => l.includes('(controller)'))).toHaveLength(1);
    expect(lines[4]).toMatch(/^controller: mail-\d; \d+ accounts open$/);
    // every live node publishes its figures: load, memory, free disk
    for (const l of lines.slice(1, 4)) expect(l).toMatch(/active\s+\d+s\s+\d+\.\d\d\s+\d+M\s+[\d.]+[MGT] free\s+\d+\s+\d+$/);
    const json = JSON.parse((await cli('status', '--json')).stdout) as { nodes: Array<{ name: string; controller: boolean; state: string; pid: number; host: string }> };
    expect(json.nodes.map((n) => n.name)).toEqual(['mail-0', 'mail-1', 'mail-2']);
    // HOST and PID name the real node processes: the ones `kill -9` in a failover drill needs
    expect(json.nodes.map((n) => n.pid).sort()).toEqual(nodePids().sort());
    for (const n of json.nodes) {
      expect(n.host).toBe(hostname());
      expect(lines.find((l) => l.startsWith(n.name))).toMatch(new RegExp(`\\s${hostname()}\\s+${n.pid}\\s`));
    }
    expect(json.nodes.filter((n) => n.controller)).toHaveLength(1);
    expect(json.nodes.every((n) => n.state === 'active')).toBe(true);
  });

  it('where answers for open and unopened accounts, and rejects bad names clearly', async () => {
    expect((await cli('where', 'Nobody@Example.test')).stdout).toBe('nobody@example.test is not open on any node\n');
    const bad = await cli('where', '../etc@example.test').catch((e: { code: number; stderr: string }) => e);
    expect((bad as { code: number }).code).toBe(1);
    expect((bad as { stderr: string }).stderr).toMatch(/^mailcluster: invalid account name/);
  });

  it('step-down hands leadership to another node', async () => {
    const before = (JSON.parse((await cli('status', '--json')).stdout) as { nodes: Array<{ name: string; controller: boolean }> }).nodes.find((n) => n.controller)!.name;
    const { stdout } = await cli('step-down');
    expect(stdout).toMatch(new RegExp(`^${before} stepped down; mail-\\d is controller`));
    const after = (JSON.parse((await cli('status', '--json')).stdout) as { nodes: Array<{ name: string; controller: boolean }> }).nodes.find((n) => n.controller)!.name;
    expect(after).not.toBe(before);
  });

  it('every node serves /metrics in Prometheus text format; exactly one reports leadership', async () => {
    const file = JSON.parse(readFileSync(join(data, 'cluster.json'), 'utf8')) as ClusterFile;
    let leaders = 0;
    for (const n of file.nodes) {
      const res = await fetch(`http://${n.address}:${n.ports.admin}/metrics`);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) {
        expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/);
      }
      for (const name of ['mailcluster_open_accounts', 'mailcluster_queue_depth', 'mailcluster_serving', 'mailcluster_grant_duration_seconds_bucket', 'process_cpu_seconds_total']) {
        expect(text).toContain(name);
      }
      if (/^mailcluster_controller_leader\{[^}]*\} 1$/m.test(text)) leaders++;
      const ready = await fetch(`http://${n.address}:${n.ports.admin}/readyz`);
      expect(await ready.json()).toEqual({ ready: true, checks: { registered: true, viewLoaded: true, storageWritable: true } });
    }
    expect(leaders).toBe(1);
  });

  it('printconf redacts the secret', async () => {
    const { stdout } = await cli('printconf');
    const secret = readFileSync(join(data, 'secret'), 'utf8').trim();
    expect(stdout).not.toContain(secret);
    expect(stdout).toContain('<redacted>');
  });

  it('prints a one-time dashboard login link and the admin token (which admin-token prints); the link works once, as does one from `dashboard`', async () => {
    const m = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/dashboard)\?login=(\S+)/.exec(out);
    expect(m).not.toBeNull();
    const token = /admin token: (\S+)/.exec(out)![1]!;
    expect(out).not.toContain(`=${token}`);
    expect((await cli('admin-token')).stdout.trim()).toBe(token);
    const api = m![1]!.replace('/dashboard', '/api/v1/status');
    expect((await fetch(api, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    const useLink = async (url: string): Promise<number> => {
      const res = await fetch(url, { redirect: 'manual' });
      if (res.status !== 303) return res.status;
      const cookie = /^(mailcluster_session=[^;]+)/.exec(res.headers.get('set-cookie') ?? '')![1]!;
      expect((await fetch(api, { headers: { cookie } })).status).toBe(200);
      return 303;
    };
    const printed = `${m![1]}?login=${m![2]}`;
    expect(await useLink(printed)).toBe(303);
    expect(await useLink(printed)).toBe(401);
    const fresh = (await cli('dashboard')).stdout.trim();
    expect(fresh).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/dashboard\?login=\S+$/);
    expect(await useLink(fresh)).toBe(303);
    expect(await useLink(fresh)).toBe(401);
  });

  it('SIGTERM stops every process it started', async () => {
    const pids = childrenOf(dev.pid!);
    expect(pids.length).toBeGreaterThanOrEqual(4); // etcd + 3 nodes
    dev.kill('SIGTERM');
    await new Promise((r) => dev.once('exit', r));
    await expect.poll(() => pids.filter(alive), { timeout: 15_000 }).toEqual([]);
  });
});
