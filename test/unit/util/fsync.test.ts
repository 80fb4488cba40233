/** Group commit of directory fsyncs: every caller is answered, failures reach the callers that shared them. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fsyncDir } from '../../../src/util/fsync.ts';

const dir = mkdtempSync(join(tmpdir(), 'mailcluster-fsync-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fsyncDir', () => {
  it('answers every one of many concurrent callers, and again afterwards', async () => {
    const calls = Array.from({ length: 200 }, (_, i) => {
      writeFileSync(join(dir, `f${i}`), 'x');
      return fsyncDir(dir);
    });
    await expect(Promise.all(calls)).resolves.toHaveLength(200);
    await expect(fsyncDir(dir)).resolves.toBeUndefined();
  });

  it('rejects for a directory that does not exist, without poisoning later calls', async () => {
    const missing = join(dir, 'nope');
    const both = await Promise.allSettled([fsyncDir(missing), fsyncDir(missing)]);
    expect(both.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await expect(fsyncDir(dir)).resolves.toBeUndefined();
  });
});
