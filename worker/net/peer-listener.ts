/**
 * The internal peer port: where other cluster nodes bring the IMAP and POP3 sessions they proxy
 * to this node (design §5). Mutual TLS only (NodeTls.serverOptions: a client without a node
 * certificate of the cluster CA fails the handshake); the protocol is the one the client asked for
 * by ALPN (`imap` or `pop3`), and the session is handed to that protocol's server together with the
 * node name its certificate gives, which the peer login's credential must have been issued by.
 *
 * Resolves with the bound server once listening; rejects when the port cannot be bound.
 */
import { createServer, type Server, type TLSSocket } from 'node:tls';
import type { Logger } from '../../src/log/logger.ts';
import { peerNodeName, type NodeTls } from '../../src/cluster/pki/node-tls.ts';

export type PeerProtocolName = 'imap' | 'pop3';

export interface PeerListenerOptions {
  port: number;
  host: string;
  tls: NodeTls;
  accept: Record<PeerProtocolName, (socket: TLSSocket, node: string) => void>;
  log: Logger;
}

export async function bindPeerListener(o: PeerListenerOptions): Promise<Server> {
  const protocols = Object.keys(o.accept) as PeerProtocolName[];
  const server = createServer({ ...o.tls.serverOptions(), ALPNProtocols: protocols }, (socket: TLSSocket) => {
    const node = peerNodeName(socket);
    const protocol = socket.alpnProtocol as PeerProtocolName | false;
    if (node === undefined || !protocol || !protocols.includes(protocol)) {
      o.log.warn({ address: socket.remoteAddress, protocol }, 'peer connection without a node name or protocol refused');
      return void socket.destroy();
    }
    socket.setNoDelay(true);
    o.accept[protocol](socket, node);
  });
  server.on('tlsClientError', (err, socket) => o.log.debug({ err: err.message, address: socket.remoteAddress }, 'peer TLS handshake refused'));
  server.on('error', (err) => o.log.error({ err }, 'peer listener error'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  return server;
}
