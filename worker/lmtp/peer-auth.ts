/**
 * LMTP between nodes authenticates as a cluster peer: AUTH PLAIN with user `peer:<node>` and a
 * password that is a one-time HMAC token over the user name (src/cluster/rpc/auth.ts), so a
 * captured exchange cannot be replayed and nobody without the cluster secret can deliver.
 */
import { RequestVerifier, signRequest } from '../../src/cluster/rpc/auth.ts';

const METHOD = 'LMTP';
const PATH = '/deliver';

export function peerCredentials(secret: string, node: string): { user: string; pass: string } {
  const user = `peer:${node}`;
  return { user, pass: signRequest(secret, METHOD, PATH, user) };
}

export class PeerVerifier {
  private readonly v: RequestVerifier;
  constructor(secret: string) {
    this.v = new RequestVerifier(secret);
  }
  /** Undefined when valid, else why not. */
  verify(user: string, pass: string): string | undefined {
    if (!user.startsWith('peer:')) return 'not a peer';
    return this.v.verify(pass, METHOD, PATH, user);
  }
}
