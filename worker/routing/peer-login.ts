/**
 * How a proxying node logs in to the holder's IMAP or POP3 server on behalf of a user it has
 * already authenticated (design §5): the user's account name and, as password, a one-time
 * cluster-peer token `peer:<node>:<ts>.<nonce>.<hmac>` signed with the cluster secret over the
 * protocol and the account name. Only a node holding the secret can make one; each is accepted
 * once, within ±30 s (src/cluster/rpc/auth.ts), so a captured backend login cannot be replayed,
 * and a token made for one protocol is refused by the other.
 */
import { RequestVerifier, signRequest } from '../../src/cluster/rpc/auth.ts';

export type PeerProtocol = 'IMAP' | 'POP3';

const PATH = '/login';
const PREFIX = 'peer:';

export function peerPassword(secret: string, node: string, account: string, protocol: PeerProtocol = 'IMAP'): string {
  return `${PREFIX}${node}:${signRequest(secret, protocol, PATH, account)}`;
}

/** Recognises peer passwords; a user's own password never starts with `peer:` and a token. */
export function isPeerPassword(password: string): boolean {
  return /^peer:[a-z0-9-]{1,63}:\d+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(password);
}

export class PeerLoginVerifier {
  private readonly v: RequestVerifier;

  constructor(secret: string, private readonly protocol: PeerProtocol = 'IMAP') {
    this.v = new RequestVerifier(secret);
  }

  /** The peer node's name when the token is valid for `account`, else undefined. */
  verify(account: string, password: string): string | undefined {
    if (!isPeerPassword(password)) return undefined;
    const rest = password.slice(PREFIX.length);
    const colon = rest.indexOf(':');
    const node = rest.slice(0, colon);
    return this.v.verify(rest.slice(colon + 1), this.protocol, PATH, account) === undefined ? node : undefined;
  }
}
