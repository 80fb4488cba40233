/**
 * The account directory in a real etcd, through the library and through the CLI as an operator
 * uses it (password from stdin, never stored in plain; the CLI goes through a node's admin API).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAILCLUSTER_BIN } from '../../src/devcluster/node-process.ts';
import { AccountDirectory, DirectoryError } from '../../src/accounts/directory.ts';
import { AccountNameError } from '../../src/util/account.ts';
import { startTestCluster, type TestCluster } from '../harness/cluster.ts';

let c: TestCluster;
let d: AccountDirectory;
let configFile: string;

beforeAll(async () => {
  c = await startTestCluster({ nodes: 1 });
  d = new AccountDirectory(c.etcd, c.keys);
  configFile = join(c.local.dataDir, 'mailcluster.json');
});
afterAll(async () => c?.stop());

function cli(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [MAILCLUSTER_BIN, '-c', configFile, ...args], { encoding: 'utf8' }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin ?? '');
  });
}

describe('account directory', () => {
  it('adds domains and accounts, authenticates, refuses duplicates and unknown domains', async () => {
    expect(await d.addDomain('Example.TEST')).toBe('example.test');
    await expect(d.addDomain('example.test')).rejects.toMatchObject({ code: 'EXISTS' });
    expect(await d.addAccount('Alice@example.test', 'correct horse', 1 << 20)).toBe('alice@example.test');
    await expect(d.addAccount('alice@EXAMPLE.test', 'x'.repeat(8))).rejects.toMatchObject({ code: 'EXISTS' });
    await expect(d.addAccount('bob@nowhere.test', 'x'.repeat(8))).rejects.toBeInstanceOf(DirectoryError);
    await expect(d.addAccount('../bob@example.test', 'x'.repeat(8))).rejects.toBeInstanceOf(AccountNameError);

    const stored = await c.etcd.get(`${c.keys.prefix}accounts/example.test/alice`).string();
    expect(stored).not.toContain('correct horse');
    expect(JSON.parse(stored!).passwordHash).toMatch(/^\$scrypt\$ln=14,r=8,p=1\$/);

    expect(await d.authenticate('ALICE@example.test', 'correct horse')).toBe('alice@example.test');
    expect(await d.authenticate('alice@example.test', 'wrong horse')).toBeUndefined();
    expect(await d.authenticate('nobody@example.test', 'correct horse')).toBeUndefined();
    await d.updateAccount('alice@example.test', { enabled: false });
    expect(await d.authenticate('alice@example.test', 'correct horse')).toBeUndefined();
  });

  it('refuses to delete a domain that still has accounts unless forced', async () => {
    await d.addDomain('gone.test');
    await d.addAccount('x@gone.test', 'password1');
    await expect(d.deleteDomain('gone.test')).rejects.toMatchObject({ code: 'DOMAIN_NOT_EMPTY' });
    await d.deleteDomain('gone.test', true);
    expect(await d.listDomains()).not.toContain('gone.test');
    expect(await d.getAccount('x@gone.test')).toBeUndefined();
  });

  it('works from the CLI with the password on stdin', async () => {
    expect((await cli(['domain', 'add', 'cli.test'])).stdout).toBe('domain cli.test added\n');
    expect((await cli(['account', 'add', 'Carol@cli.test', '--password-stdin', '--quota', '10'], 's3cret-pass\n')).stdout).toBe('account carol@cli.test added\n');
    const list = JSON.parse((await cli(['account', 'list', 'cli.test', '--json'])).stdout) as Array<{ address: string; quotaBytes: number }>;
    expect(list).toEqual([expect.objectContaining({ address: 'carol@cli.test', quotaBytes: 10 * 1024 * 1024 })]);
    expect(JSON.stringify(list)).not.toContain('scrypt');
    expect(await d.authenticate('carol@cli.test', 's3cret-pass')).toBe('carol@cli.test');
    expect((await cli(['account', 'passwd', 'carol@cli.test', '--password-stdin'], 'another-pass\n')).code).toBe(0);
    expect(await d.authenticate('carol@cli.test', 'another-pass')).toBe('carol@cli.test');
    const short = await cli(['account', 'add', 'dave@cli.test', '--password-stdin'], 'short\n');
    expect(short.code).toBe(1);
    expect(short.stderr).toBe('mailcluster: the password must have at least 8 characters\n');
    const dup = await cli(['account', 'add', 'carol@cli.test', '--password-stdin'], 'whatever-pass\n');
    expect(dup.stderr).toBe('mailcluster: account carol@cli.test exists\n');
  });
});
