/**
 * The fsync gate across processes, for tests that run real node processes: with
 * `MC_TEST_FSYNC_GATE=<dir>` in a node's environment, every fsync made while `<dir>/hold` exists
 * writes `<dir>/held/<pid>-<n>` (its content: the path being fsynced) and waits until the test
 * creates `<dir>/release/<pid>-<n>` or removes `<dir>/hold`; then the fsync runs. Without the
 * variable nothing is installed (production). Polls every 5 ms: test use only.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFsyncGate } from './fsync.ts';

export const FSYNC_GATE_VARIABLE = 'MC_TEST_FSYNC_GATE';

/** Installs the file gate when the variable is set; returns whether it did. */
export function installFsyncFileGate(env: NodeJS.ProcessEnv = process.env): boolean {
  const dir = env[FSYNC_GATE_VARIABLE];
  if (!dir) return false;
  for (const sub of ['held', 'release']) mkdirSync(join(dir, sub), { recursive: true });
  let seq = 0;
  setFsyncGate(async (path) => {
    const hold = join(dir, 'hold');
    if (!existsSync(hold)) return;
    const id = `${process.pid}-${++seq}`;
    writeFileSync(join(dir, 'held', id), path);
    const release = join(dir, 'release', id);
    while (existsSync(hold) && !existsSync(release)) await new Promise((r) => setTimeout(r, 5));
  });
  return true;
}
