/**
 * The operator's view of a real 3-node cluster through the CLI (which talks to the admin API):
 * `watch` shows a kill -9 failover with its measured gap and the dead node leaving, `status`
 * shows it unreachable, `drain --wait` empties a node with progress, `move` places an account
 * where asked, `queue list` answers, and the API refuses requests without the token.
 */
import { spawn, execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAILCLUSTER_BIN } from '../../src/devcluster/node-process.ts';
import type { ClusterEvent } from '../../src/cluster/events.ts';
import type { ClusterStatus } from '../../worker/api/cluster-status.ts';
import { accounts, LEASE_TTL_MS, startTestCluster, type TestCluster } from '../harness/cluster.ts';

let c: TestCluster;
let configFile: string;

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAILCLUSTER_BIN, '-c', configFile, ...args], { encoding: 'utf8' }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
const status = async (): Promise<ClusterStatus> => JSON.parse((await cli('status', '--json')).stdout) as ClusterStatus;

beforeAll(async () => {
  c = await startTestCluster({ env: { MAILCLUSTER_ADMIN_STATS_INTERVAL_MS: '500' } });
  configFile = join(c.local.dataDir, 'mailcluster.json');
  await c.electedController();
});
afterAll(async () => c?.stop());

describe('operator CLI on a live cluster', () => {
  it('the admin API refuses requests without the right token', async () => {
    const port = c.node('mail-0').env.MAILCLUSTER_PORTS_ADMIN;
    const none = await fetch(`http://127.0.0.1:${port}/api/v1/status`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
    const wrong = await fetch(`http://127.0.0.1:${port}/api/v1/status`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const post = await fetch(`http://127.0.0.1:${port}/api/v1/nodes/mail-1/drain`, { method: 'POST' });
    expect(post.status).toBe(401);
    // with the token, bad bodies get clear errors and change nothing
    const { adminToken } = await import('../../src/cluster/admin-token.ts');
    const auth = { authorization: `Bearer ${adminToken({ admin: { token: '', urls: [], statsIntervalMs: 5000 }, cluster: { name: c.local.cluster, secret: c.local.secret } })}` };
    const notJson = await fetch(`http://127.0.0.1:${port}/api/v1/accounts`, { method: 'POST', headers: auth, body: '{"address":' });
    expect([notJson.status, ((await notJson.json()) as { error: { code: string } }).error.code]).toEqual([400, 'BAD_REQUEST']);
    const huge = await fetch(`http://127.0.0.1:${port}/api/v1/accounts`, { method: 'POST', headers: auth, body: JSON.stringify({ address: 'x'.repeat(100_000) }) }).catch(() => undefined);
    expect(huge === undefined || huge.status === 413).toBe(true); // 413, or the connection dropped mid-upload
    const badField = await fetch(`http://127.0.0.1:${port}/api/v1/accounts`, { method: 'POST', headers: auth, body: JSON.stringify({ address: 'a@b.test', password: 'short' }) });
    expect(badField.status).toBe(400);
    expect(((await badField.json()) as { error: { message: string } }).error.message).toMatch(/password: must have at least 8 characters/);
    expect(c.local.node('mail-1').running).toBe(true);
    expect((await c.etcd.get(c.keys.drain('mail-1')).string())).toBeNull();
  });

  it('/metrics counts refused recipients and open sessions per protocol', async () => {
    const { send } = await import('../harness/mail.ts');
    const refused = await send(c, 'mail-1', { from: 'x@remote.test', to: 'someone@not-served.test', subject: 'x' }).then(() => 'accepted', (e: { response?: string }) => e.response ?? '');
    expect(refused).toMatch(/^554 5\.7\.1 /);
    const text = await (await fetch(`http://127.0.0.1:${c.node('mail-1').env.MAILCLUSTER_PORTS_ADMIN}/metrics`)).text();
    expect(text).toMatch(/^mailcluster_smtp_refusals_total\{[^}]*code="554"[^}]*\} 1$/m);
    expect(text).toMatch(/^mailcluster_sessions\{[^}]*protocol="imap"[^}]*\} 0$/m);
    expect(text).toMatch(/^mailcluster_sessions\{[^}]*protocol="imap-proxied"[^}]*\} 0$/m);
    expect(text).toMatch(/^mailcluster_sessions\{[^}]*protocol="pop3-proxied"[^}]*\} 0$/m);
    expect(text).toMatch(/^# TYPE mailcluster_connections_refused_total counter$/m);
    expect(text).toMatch(/^mailcluster_queue_oldest_seconds\{[^}]*\} 0$/m);
  });

  it('move opens an account on the node asked for, with a higher fencing token', async () => {
    const [a] = accounts(1, 'mover');
    const first = await c.rpc('mail-1', 'acquire', { account: a! });
    expect(first.holder).toBe('mail-1');
    const r = await cli('move', a!, '--to', 'mail-2', '--json');
    expect(r.stderr).toBe('');
    const moved = JSON.parse(r.stdout) as { holder: string; from: string; token: string };
    expect(moved).toMatchObject({ holder: 'mail-2', from: 'mail-1' });
    expect(BigInt(moved.token)).toBeGreaterThan(BigInt(first.token));
    expect((await c.openKeys()).get(a!)?.holder).toBe('mail-2');
    expect((await cli('where', a!)).stdout).toMatch(new RegExp(`^${a} is open on mail-2 `));
    const bad = await cli('move', a!, '--to', 'mail-9');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/no live node named mail-9/);
  });

  it('drain --wait moves every account off a node, with progress; undrain lets it hold again', async () => {
    const names = accounts(8, 'drain');
    for (const account of names) expect((await c.rpc('mail-2', 'acquire', { account })).holder).toBe('mail-2');
    const r = await cli('drain', 'mail-2', '--wait', '--timeout', '60');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^mail-2 draining \(\d+ accounts open\)\n/);
    expect(r.stdout).toMatch(/\[[#.]{30}\] \d+ accounts, \d+ sessions left on mail-2\n/);
    expect(r.stdout).toMatch(/mail-2 drained: no accounts left\n$/);
    const open = await c.openKeys();
    expect([...open.values()].filter((g) => g.holder === 'mail-2')).toEqual([]);
    // the next use opens the account elsewhere, never on the draining node
    const again = await c.rpc('mail-2', 'acquire', { account: names[0]! });
    expect(again.holder).not.toBe('mail-2');
    const s = await status();
    expect(s.nodes.find((n) => n.name === 'mail-2')?.state).toBe('draining');
    expect((await cli('undrain', 'mail-2')).stdout).toBe('mail-2 active again\n');
    expect((await c.rpc('mail-2', 'acquire', { account: 'after-undrain@example.test' })).holder).toBe('mail-2');
  });

  it('queue list answers for every spool on the shared root', async () => {
    const r = await cli('queue', 'list', '--json');
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as Array<{ spoolOf: string; messages: number }>;
    expect(list.map((q) => q.spoolOf).sort()).toEqual(['mail-0', 'mail-1', 'mail-2']);
    expect(list.every((q) => q.messages === 0)).toBe(true);
    expect((await cli('queue', 'flush', 'mail-1')).stdout).toBe('mail-1 retries 0 messages now\n');
    expect((await cli('queue', 'show', 'mail-1')).stdout).toBe('the queue of mail-1 is empty\n');
    const bad = await cli('queue', 'show', '../etc');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/not a node name/);
  });

  it('watch shows a kill -9 failover with its gap and the node leaving; status shows it unreachable', async () => {
    const ctl = await c.electedController();
    const other = ['mail-0', 'mail-1', 'mail-2'].find((n) => n !== ctl)!;
    // watch through a node that survives: point the CLI at it alone
    const urls = [`http://127.0.0.1:${c.node(other).env.MAILCLUSTER_PORTS_ADMIN}`];
    const watch = spawn(process.execPath, [MAILCLUSTER_BIN, '-c', configFile, 'watch', '--json', '--history', '5'], {
      env: { ...process.env, MAILCLUSTER_ADMIN_URLS: urls.join(',') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const events: ClusterEvent[] = [];
    let buf = '';
    watch.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) if (l) events.push(JSON.parse(l) as ClusterEvent);
    });
    try {
      // history arrives first: the initial election and the three joins are in it
      await expect.poll(() => events.some((e) => e.type === 'node-joined'), { timeout: 20_000 }).toBe(true);
      const killedAt = Date.now();
      await c.node(ctl).kill();
      await expect.poll(() => events.find((e) => e.type === 'controller-elected' && e.at > killedAt), { timeout: 30_000, interval: 100 }).toBeDefined();
      const elected = events.find((e) => e.type === 'controller-elected' && e.at > killedAt)!;
      const lost = events.find((e) => e.type === 'controller-lost' && e.node === ctl);
      expect(lost).toBeDefined();
      expect(elected.node).not.toBe(ctl);
      expect(elected.from).toBe(ctl);
      // the gap is dated from the dead controller's last proof of life (lease expiry − TTL)
      expect(elected.gapMs).toBeGreaterThanOrEqual(LEASE_TTL_MS - 1000);
      expect(elected.gapMs).toBeLessThan(LEASE_TTL_MS + 10_000);
      await expect.poll(() => events.filter((e) => e.type === 'node-left' && e.node === ctl).length, { timeout: 20_000 }).toBe(1);

      const s = await status();
      expect(s.controller).toBe(elected.node);
      expect(s.nodes.find((n) => n.name === ctl)?.state).toBe('unreachable');
      const table = (await cli('status')).stdout;
      // a dead node has no host or PID to show
      expect(table).toMatch(new RegExp(`^${ctl}\\s+127\\.0\\.0\\.1\\s+-\\s+-\\s+symmetric\\s+unreachable`, 'm'));
      // a dead node can still be undrained (it serves again when it comes back), not drained
      expect((await cli('undrain', ctl)).stdout).toBe(`${ctl} active again\n`);
      expect((await cli('drain', ctl)).stderr).toMatch(/no live node named/);
      expect(table).toMatch(new RegExp(`^${elected.node}\\*\\s+127\\.0\\.0\\.1\\s+\\S+\\s+${c.node(elected.node!).pid}\\s+symmetric \\(controller\\)\\s+active`, 'm'));

      // the human form of the same stream, from recent history
      const human = spawn(process.execPath, [MAILCLUSTER_BIN, '-c', configFile, 'watch', '--history', '50'], {
        env: { ...process.env, MAILCLUSTER_ADMIN_URLS: urls.join(',') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      human.stdout.on('data', (d: Buffer) => (text += d.toString()));
      try {
        await expect.poll(() => text, { timeout: 20_000 }).toMatch(new RegExp(`controller-elected\\s+${elected.node} became controller after a \\d+\\.\\d s gap`));
        expect(text).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}  node-left\\s+${ctl} left: its lease is gone$`, 'm'));
      } finally {
        human.kill('SIGKILL');
      }
    } finally {
      watch.kill('SIGKILL');
    }
  });
});
