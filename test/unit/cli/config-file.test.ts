import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFile } from '../../../src/cli/context.ts';

// Which config the CLI reads decides which cluster an operator's command acts on.
describe('configFile', () => {
  const cwd = process.cwd();
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mc-cli-'));
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'mailcluster.json'), '{}');
    process.chdir(dir);
  });
  afterEach(() => {
    process.chdir(cwd);
    delete process.env.MAILCLUSTER_CONFIG;
    delete process.env.MAILCLUSTER_ETCD_ENDPOINTS;
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes --config first, then $MAILCLUSTER_CONFIG', () => {
    process.env.MAILCLUSTER_CONFIG = '/etc/env.json';
    expect(configFile({ config: '/etc/flag.json' })).toBe('/etc/flag.json');
    expect(configFile({})).toBe('/etc/env.json');
  });

  it("falls back to a dev cluster's data/mailcluster.json in the working directory", () => {
    expect(configFile({})).toBe(join(dir, 'data', 'mailcluster.json'));
  });

  it('ignores that file when the environment already names an etcd (a pod, a configured shell)', () => {
    process.env.MAILCLUSTER_ETCD_ENDPOINTS = 'http://etcd:2379';
    expect(configFile({})).toBeUndefined();
  });
});
