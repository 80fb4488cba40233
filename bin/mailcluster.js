#!/usr/bin/env node
// The mailcluster command. Runs the TypeScript sources through tsx's loader so that the same
// files serve development, tests and production (Node 20 has no native type stripping).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
