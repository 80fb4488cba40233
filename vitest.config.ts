import { configDefaults, defineConfig } from 'vitest/config';

// Cluster tests start real etcd and node processes: give them room, and run files in parallel
// only as far as a 2-core machine allows.
export const RUN_ALONE = ['test/cluster/pipelining.test.ts', 'test/cluster/client-limits.test.ts'];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Files that measure a node under attack against a bound (RSS under a pipelining flood, login
    // latency under a wrong-login flood, tarpit delays) run after the rest, one at a time, with
    // nothing else on the machine: `npm run test:alone`, which `npm test` runs last.
    exclude: process.env.MC_ALONE ? configDefaults.exclude : [...configDefaults.exclude, ...RUN_ALONE],
    setupFiles: ['test/setup-env.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    fileParallelism: true,
  },
});
