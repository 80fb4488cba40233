import { defineConfig } from 'vitest/config';

// Cluster tests start real etcd and node processes: give them room, and run files in parallel
// only as far as a 2-core machine allows.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup-env.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    fileParallelism: true,
  },
});
