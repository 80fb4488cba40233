import { defineConfig } from 'vitest/config';

// The tests `npm run test:mutation` runs against each mutant of the safety core: unit and
// in-process tests with fast feedback (real etcd and real files, no node processes).
export default defineConfig({
  test: {
    include: [
      'test/unit/cluster/session.test.ts',
      'test/unit/controller/*.test.ts',
      'test/unit/storage/fence.test.ts',
      'test/unit/storage/maildir-folder.test.ts',
      'test/unit/storage/maildir-store.test.ts',
      'test/unit/util/fsync.test.ts',
      'test/unit/queue/*.test.ts',
      'test/unit/worker/holds.test.ts',
      'test/unit/worker/queued-delivery.test.ts',
      'test/unit/worker/direct-delivery.test.ts',
      'test/unit/worker/queue-runner.test.ts',
      'test/cluster/leadership-guard.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: 1,
    fileParallelism: false,
  },
});
