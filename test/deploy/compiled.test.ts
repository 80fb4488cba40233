/**
 * The compiled build as the image lays it out (deploy/docker/Dockerfile's runtime stage): dist/,
 * the launcher, package.json and the production dependencies — no TypeScript sources, no tsx, no
 * typescript. The command must run and the whole node (worker, controller) must load from it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEPLOY } from './render.ts';

const run = promisify(execFile);
const REPO = join(DEPLOY, '..');
const DEV_ONLY = new Set(['tsx', 'typescript', 'esbuild', '@esbuild', 'vitest', '.bin']);
let image: string;

beforeAll(async () => {
  image = mkdtempSync(join(tmpdir(), 'mc-image-'));
  // Build into a scratch copy of the sources so the checkout's own dist/ is left as it was.
  const work = join(image, 'work');
  for (const f of ['package.json', 'tsconfig.json', 'tsconfig.build.json']) cpSync(join(REPO, f), join(work, f));
  for (const d of ['bin', 'src', 'controller', 'worker']) cpSync(join(REPO, d), join(work, d), { recursive: true });
  symlinkSync(join(REPO, 'node_modules'), join(work, 'node_modules'));
  await run(process.execPath, [join(work, 'bin', 'build.js')], { cwd: work });

  const app = join(image, 'app');
  mkdirSync(join(app, 'bin'), { recursive: true });
  cpSync(join(work, 'dist'), join(app, 'dist'), { recursive: true });
  cpSync(join(work, 'package.json'), join(app, 'package.json'));
  for (const f of ['mailcluster.js', 'sources.js']) cpSync(join(work, 'bin', f), join(app, 'bin', f));
  mkdirSync(join(app, 'node_modules'));
  for (const name of readdirSync(join(REPO, 'node_modules'))) {
    if (!DEV_ONLY.has(name)) symlinkSync(join(REPO, 'node_modules', name), join(app, 'node_modules', name));
  }
}, 120_000);

afterAll(() => rmSync(image, { recursive: true, force: true }));

describe('the compiled build, laid out as the image has it', () => {
  it('has no TypeScript sources and no tsx or typescript to fall back on', () => {
    const app = join(image, 'app');
    expect(readdirSync(app).sort()).toEqual(['bin', 'dist', 'node_modules', 'package.json']);
    expect(readdirSync(join(app, 'node_modules'))).not.toContain('tsx');
    expect(readdirSync(join(app, 'node_modules'))).not.toContain('typescript');
  });

  it('runs the mailcluster command and prints a config', async () => {
    const app = join(image, 'app');
    const version = await run(process.execPath, ['bin/mailcluster.js', '--version'], { cwd: app });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const secret = (await run(process.execPath, ['bin/mailcluster.js', 'init'], { cwd: app })).stdout;
    expect(secret).toMatch(/MAILCLUSTER_CLUSTER_SECRET=/);
    const env = { ...process.env, MAILCLUSTER_CLUSTER_SECRET: secret.match(/MAILCLUSTER_CLUSTER_SECRET=(\S+)/)![1]!, MAILCLUSTER_ETCD_ENDPOINTS: 'http://127.0.0.1:2379' };
    const conf = await run(process.execPath, ['bin/mailcluster.js', 'printconf'], { cwd: app, env });
    expect(conf.stdout).toContain('127.0.0.1:2379');
    // the cluster CA and a node certificate, made by the build alone
    const pki = join(image, 'pki');
    const made = (await run(process.execPath, ['bin/mailcluster.js', 'init', '--tls-dir', pki, '--nodes', 'mail-0'], { cwd: app })).stdout;
    expect(made).toMatch(/MAILCLUSTER_CLUSTER_CA_FILE=/);
    expect(readdirSync(pki).sort()).toEqual(['ca.crt', 'ca.key', 'mail-0.crt', 'mail-0.key']);
  });

  it('loads the whole node (worker, controller, dashboard page) from plain JavaScript', async () => {
    const app = join(image, 'app');
    const probe = "const m = await import('./dist/worker/node.js'); console.log(typeof m.MailNode);";
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', probe], { cwd: app });
    expect(stdout.trim()).toBe('function');
  });
});
