import { configDefaults, defineConfig } from 'vitest/config';

// Cluster tests start real etcd and node processes: give them room, and run files in parallel
// only as far as a 2-core machine allows.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The pipelining flood measures a node's RSS against a 32 MiB bound; with other cluster files
    // running beside it, V8's heap headroom read 32.8 MiB. It runs alone: `npm run test:flood`.
    exclude: process.env.MC_FLOOD ? configDefaults.exclude : [...configDefaults.exclude, 'test/cluster/pipelining.test.ts'],
    setupFiles: ['test/setup-env.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    fileParallelism: true,
  },
});
