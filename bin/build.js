#!/usr/bin/env node
// `npm run build`: compiles src/, controller/ and worker/ to dist/ (tsc, tsconfig.build.json) and
// copies the files they read at run time, so production runs plain JavaScript: no tsx, no
// TypeScript, no compile at start. dist/build-info.json records the newest source it was built
// from; bin/mailcluster.js runs dist/ only while no source is newer (a stale build is never run).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newestSource } from './sources.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const newest = newestSource(root);
rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
cpSync(join(root, 'package.json'), join(dist, 'package.json'));
cpSync(join(root, 'worker', 'dashboard', 'index.html'), join(dist, 'worker', 'dashboard', 'index.html'));
mkdirSync(join(dist, 'bin'), { recursive: true });
writeFileSync(join(dist, 'bin', 'mailcluster.js'), "#!/usr/bin/env node\n// The compiled mailcluster command.\nawait import('../src/cli/main.js');\n", { mode: 0o755 });
writeFileSync(join(dist, 'build-info.json'), JSON.stringify({ newestSource: newest }) + '\n');
process.stdout.write(`built dist/ (newest source ${new Date(newest).toISOString()})\n`);
