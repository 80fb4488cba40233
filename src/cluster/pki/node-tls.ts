/**
 * A node's identity on the internal links (issue 15 item 2): the cluster CA and this node's own
 * certificate (cluster-ca.ts issued it for the node's name). Every internal link — LMTP hand-over,
 * proxied IMAP/POP3 sessions, RPC — is TLS 1.2+ with a certificate on both sides:
 *
 * - `serverOptions()` asks every client for a certificate and refuses the handshake unless the
 *   cluster CA signed it: a process without a node certificate cannot talk to an internal port.
 * - `clientOptions(peer)` presents this node's certificate and accepts the server only when the
 *   cluster CA signed its certificate AND it names `peer` (the node the caller meant to reach, from
 *   the registration it read in etcd): another node, or a stranger on the peer's address, fails.
 * - `peerNodeName(socket)` is the name in a verified client certificate, which the servers compare
 *   with the issuer of the one-time credential the client sends: a credential minted by one node
 *   and carried over another node's link is refused.
 *
 * The certificate files are read once, at start; rotating them means restarting the node (the
 * links re-handshake on their next connection).
 */
import { readFileSync } from 'node:fs';
import { checkServerIdentity, type ConnectionOptions, type PeerCertificate, type TlsOptions, type TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';

export interface NodeTlsFiles { caFile: string; certFile: string; keyFile: string }
export interface NodeTlsPems { ca: string; cert: string; key: string }

const MIN_VERSION = 'TLSv1.2' as const;

export class NodeTls {
  /** Throws unless `cert` is signed by `ca` and names `node`. */
  constructor(readonly node: string, private readonly pems: NodeTlsPems) {
    const cert = new X509Certificate(pems.cert);
    if (!cert.verify(new X509Certificate(pems.ca).publicKey)) throw new Error(`the node certificate for ${node} is not signed by the cluster CA`);
    if (cert.checkHost(node, { wildcards: false }) !== node) throw new Error(`the node certificate does not name this node (${node}): it is for ${cert.subject.replace(/\n/g, ', ')}`);
  }

  /** Reads the three PEM files; throws with the file name when one cannot be read. */
  static load(node: string, files: NodeTlsFiles): NodeTls {
    const read = (file: string, what: string): string => {
      try {
        return readFileSync(file, 'utf8');
      } catch (err) {
        throw new Error(`cannot read the ${what} ${file}: ${(err as Error).message}`);
      }
    };
    return new NodeTls(node, { ca: read(files.caFile, 'cluster CA'), cert: read(files.certFile, 'node certificate'), key: read(files.keyFile, 'node key') });
  }

  /** For an internal listener: mutual TLS, only certificates of the cluster CA. */
  serverOptions(): TlsOptions {
    return { ca: this.pems.ca, cert: this.pems.cert, key: this.pems.key, requestCert: true, rejectUnauthorized: true, minVersion: MIN_VERSION };
  }

  /** For a connection to node `peer`: our certificate, and theirs must be the cluster CA's for `peer`. */
  clientOptions(peer: string): ConnectionOptions {
    return {
      ca: this.pems.ca,
      cert: this.pems.cert,
      key: this.pems.key,
      servername: peer,
      rejectUnauthorized: true,
      minVersion: MIN_VERSION,
      checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(peer, cert),
    };
  }
}

/** The node name of a verified client certificate on an internal listener, else undefined. */
export function peerNodeName(socket: TLSSocket): string | undefined {
  if (!socket.authorized) return undefined;
  const cn = socket.getPeerCertificate().subject?.CN;
  return typeof cn === 'string' && cn.length > 0 ? cn : undefined;
}
