/**
 * The CLI on a sick cluster: with the node of the first admin URL paused (SIGSTOP: its port still
 * accepts connections, nothing answers), `where` gets its answer from the next node within a few
 * seconds instead of waiting out a 35 s request timeout per URL.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAILCLUSTER_BIN } from '../../src/devcluster/node-process.ts';
import { PROBE_TIMEOUT_MS } from '../../src/cli/admin-client.ts';
import { startTestCluster, type TestCluster } from '../harness/cluster.ts';
import { addAccounts } from '../harness/mail.ts';

const run = promisify(execFile);
let c: TestCluster;
beforeAll(async () => {
  c = await startTestCluster();
  await c.electedController();
});
afterAll(async () => c?.stop());

describe('the CLI with a paused node first in admin.urls', () => {
  it('moves on to the next URL after a short probe timeout', async () => {
    const [alice] = await addAccounts(c, 'example.test', ['alice']);
    await c.rpc('mail-1', 'acquire', { account: alice! });
    const first = c.node('mail-0');
    first.pause();
    try {
      const started = Date.now();
      const { stdout } = await run(process.execPath, [MAILCLUSTER_BIN, '-c', join(c.local.dataDir, 'mailcluster.json'), 'where', alice!], { encoding: 'utf8', timeout: 60_000 });
      const tookMs = Date.now() - started;
      console.log(`cli: where with the first admin URL's node paused answered in ${tookMs} ms`);
      expect(stdout).toMatch(/mail-1/);
      expect(tookMs).toBeLessThan(PROBE_TIMEOUT_MS + 7000); // node start-up of the CLI included; was 35 s
    } finally {
      first.resume();
    }
  }, 90_000);
});
