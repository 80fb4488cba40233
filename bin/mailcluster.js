#!/usr/bin/env node
// The mailcluster command. Runs the compiled build (dist/, from `npm run build`) when there is one
// and no source is newer than it; otherwise runs the TypeScript sources through tsx's loader (a dev
// checkout: Node 20 has no native type stripping). A production image carries dist/ and no tsx.
import { existsSync, readFileSync } from 'node:fs';
import { newestSource } from './sources.js';

const root = new URL('..', import.meta.url);
const built = new URL('dist/src/cli/main.js', root);

function buildIsCurrent() {
  if (!existsSync(built)) return false;
  if (!existsSync(new URL('src/cli/main.ts', root))) return true; // no sources beside it: an image
  try {
    const info = JSON.parse(readFileSync(new URL('dist/build-info.json', root), 'utf8'));
    return newestSource(new URL('.', root).pathname) <= info.newestSource;
  } catch {
    return false;
  }
}

if (buildIsCurrent()) {
  await import(built.href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write('mailcluster: no compiled build in dist/ and no tsx to run the sources: run `npm run build` (or `npm install`)\n');
    process.exit(1);
  }
  register();
  await import('../src/cli/main.ts');
}
