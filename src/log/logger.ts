/**
 * pino logging. Messages are constant strings; variable data goes in fields. The fixed keys are
 * listed in LOG_KEYS so that log queries stay stable. Secrets and bodies are redacted.
 */
import pino, { type Logger } from 'pino';

export type { Logger };

/** The field names this project logs with. Add here before using a new one. */
export const LOG_KEYS = [
  'node', 'component', 'account', 'holder', 'token', 'controller', 'leaderRev', 'lease', 'gapMs',
  'err', 'peer', 'method', 'durationMs', 'attempt', 'reason', 'count', 'servingUntil', 'address', 'port', 'ports',
  'id', 'delayMs', 'failed', 'ttl', 'spoolOf',
] as const;

export function createLogger(opts: { level: string; node?: string }, dest?: pino.DestinationStream): Logger {
  return pino(
    {
      level: opts.level,
      base: opts.node ? { node: opts.node } : {},
      timestamp: pino.stdTimeFunctions.epochTime,
      redact: { paths: ['secret', '*.secret', 'password', '*.password', 'body', 'authorization'], censor: '<redacted>' },
    },
    dest ?? pino.destination({ sync: true }),
  );
}

/** A logger that discards everything, for tests of components that require one. */
export const silentLogger: Logger = pino({ level: 'silent' });
