/**
 * Which config file the `mailcluster` command reads: the one it is given (--config, --data DIR,
 * $MAILCLUSTER_CONFIG), never one it happens to find in the working directory. A stale
 * data/mailcluster.json left by `npm start` once made a test talk to a stopped cluster.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { MAILCLUSTER_BIN } from '../../../src/devcluster/node-process.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'mailcluster-cli-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function devConfig(sub: string, cluster: string): string {
  mkdirSync(join(dir, sub, 'data'), { recursive: true });
  const file = join(dir, sub, 'data', 'mailcluster.json');
  writeFileSync(file, JSON.stringify({ cluster: { name: cluster } }));
  return join(dir, sub, 'data');
}

async function clusterName(cwd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run(process.execPath, [MAILCLUSTER_BIN, ...args, 'printconf'], { cwd, env: { ...process.env, ...env } });
  return (JSON.parse(stdout) as { cluster: { name: string } }).cluster.name;
}

describe('config discovery', () => {
  const stale = devConfig('repo', 'stale-in-cwd');
  const other = devConfig('elsewhere', 'given-by-data');

  it('ignores a data/mailcluster.json in the working directory', async () => {
    expect(await clusterName(join(stale, '..'), [])).not.toBe('stale-in-cwd');
  });

  it('reads DIR/mailcluster.json with --data DIR, from any directory', async () => {
    expect(await clusterName(join(stale, '..'), ['--data', other])).toBe('given-by-data');
  });

  it('reads $MAILCLUSTER_CONFIG, the line `npm start` prints', async () => {
    expect(await clusterName(tmpdir(), [], { MAILCLUSTER_CONFIG: join(other, 'mailcluster.json') })).toBe('given-by-data');
  });

  it('--config wins over --data and the environment', async () => {
    const env = { MAILCLUSTER_CONFIG: join(other, 'mailcluster.json') };
    expect(await clusterName(tmpdir(), ['--config', join(stale, 'mailcluster.json'), '--data', other], env)).toBe('stale-in-cwd');
  });
});
