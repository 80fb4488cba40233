/**
 * LMTP between nodes authenticates as a cluster peer: AUTH PLAIN with user `peer:<node>` and as
 * password a one-time internal credential (src/cluster/trust/credentials.ts) addressed to the
 * receiving node under its current registration, purpose `lmtp`, subject the user name. A
 * captured exchange is refused when replayed to this node, to any other node, or after the
 * receiver registered again; nobody without the cluster secret can deliver.
 */
import { CredentialVerifier, mintCredential, onLink, type Audience } from '../../src/cluster/trust/credentials.ts';

export function peerCredentials(secret: string, node: string, to: Audience): { user: string; pass: string } {
  const user = `peer:${node}`;
  return { user, pass: mintCredential(secret, { issuer: node, audience: to, purpose: 'lmtp', subject: user }) };
}

export class PeerVerifier {
  private readonly v: CredentialVerifier;
  /** `self`: this node's name and current registration. */
  constructor(secret: string, self: () => Audience) {
    this.v = new CredentialVerifier(secret, self);
  }
  /**
   * Undefined when valid (the credential is then consumed), else why not. `linkPeer`: the node the
   * connection's client certificate names, which must be the credential's issuer.
   */
  verify(user: string, pass: string, linkPeer: string | undefined): string | undefined {
    if (!user.startsWith('peer:')) return 'not a peer';
    const verdict = onLink(this.v.verify(pass, 'lmtp', user), linkPeer);
    if (!verdict.ok) return verdict.reason;
    return `peer:${verdict.issuer}` === user ? undefined : 'user is not the issuer';
  }
}
