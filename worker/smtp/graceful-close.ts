/**
 * Closes an smtp-server listener for a node shutdown: stop accepting; end at once, with
 * `421 4.3.2`, every session that is between transactions (an idle client, a pooled LMTP
 * connection from a peer); give the sessions in a transaction `graceMs` to finish, after which
 * smtp-server answers them `421` and closes them. Resolves when the listener is closed.
 *
 * A message is never lost by this: one that has not been answered `250` is the client's to retry.
 * Reads smtp-server's connection state (pinned version); if that state is absent, every session
 * simply gets the grace period.
 */
import type { SMTPServer } from 'smtp-server';

interface ConnectionState {
  session?: { envelope?: { mailFrom?: unknown } };
  _handlerPending?: boolean;
  _dataStream?: unknown;
  send(code: number, message: string): void;
  close(): void;
}

function betweenTransactions(c: ConnectionState): boolean {
  return c.session?.envelope !== undefined && !c.session.envelope.mailFrom && !c._handlerPending && !c._dataStream;
}

export function closeGracefully(server: SMTPServer, graceMs: number): Promise<void> {
  server.options.closeTimeout = graceMs;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const connections = (server as unknown as { connections?: Set<ConnectionState> }).connections;
  for (const c of connections ?? []) {
    if (!betweenTransactions(c)) continue;
    c.send(421, '4.3.2 Server shutting down, try again later');
    c.close();
  }
  return closed;
}
