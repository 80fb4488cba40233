/** `mailcluster node`: runs one node until SIGTERM/SIGINT, then shuts down cleanly (lease revoked). */
import { loadConfig } from '../../config/loader.ts';
import { createLogger } from '../../log/logger.ts';
import { MailNode } from '../../../worker/node.ts';
import { configFile, type GlobalOptions } from '../context.ts';
import { installFsyncFileGate } from '../../util/fsync-file-gate.ts';

export async function runNode(opts: GlobalOptions): Promise<void> {
  const config = loadConfig({ file: configFile(opts), purpose: 'node' });
  const log = createLogger({ level: config.log.level, node: config.node.name });
  if (installFsyncFileGate()) log.warn({}, 'test fsync gate installed');
  const node = new MailNode(config, log);
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ reason: signal }, 'node stopping');
    // A stop stuck past the session grace (plus time to revoke the lease) exits anyway.
    const force = setTimeout(() => process.exit(1), config.node.shutdownGraceMs + 10_000);
    force.unref();
    void node.stop().finally(() => {
      log.info({}, 'node stopped');
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  await node.start();
}
