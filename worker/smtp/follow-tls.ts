/** Certificate reload for smtp-server listeners (25, 587, 465). */
import type { SMTPServer } from 'smtp-server';
import { serverTlsOptions, type TlsProvider } from '../tls.ts';

/**
 * Makes an smtp-server take each new pair of `tls` for the next handshake: updateSecureContext
 * rebuilds the context it hands to STARTTLS and implicit-TLS upgrades alike. Unsubscribes when
 * the server closes.
 */
export function followTls(tls: TlsProvider | undefined, server: SMTPServer): SMTPServer {
  if (!tls) return server;
  const unsubscribe = tls.onChange((pair) => server.updateSecureContext(serverTlsOptions(pair)));
  server.server.once('close', unsubscribe);
  return server;
}
