/**
 * How a proxying node logs in to the holder's IMAP or POP3 server on behalf of a user it has
 * already authenticated (design §5): the user's account name and, as password, `peer:` and a
 * one-time internal credential (src/cluster/trust/credentials.ts) addressed to the holder under
 * its current registration, for this protocol and this account. Only a node holding the cluster
 * secret can make one; it is accepted once, by that holder only, for a few seconds: a captured
 * backend login replayed to any node, to the account's next holder, or for the other protocol is
 * refused.
 */
import { CredentialVerifier, looksLikeCredential, mintCredential, type Audience } from '../../src/cluster/trust/credentials.ts';

export type PeerProtocol = 'IMAP' | 'POP3';

const PREFIX = 'peer:';

function purposeOf(protocol: PeerProtocol): 'imap' | 'pop3' {
  return protocol === 'IMAP' ? 'imap' : 'pop3';
}

/** A peer password for logging in to `holder` as `account`. */
export function peerPassword(secret: string, node: string, holder: Audience, account: string, protocol: PeerProtocol = 'IMAP'): string {
  return PREFIX + mintCredential(secret, { issuer: node, audience: holder, purpose: purposeOf(protocol), subject: account });
}

/** Recognises peer passwords; a user's own password never starts with `peer:` and a credential. */
export function isPeerPassword(password: string): boolean {
  return password.startsWith(PREFIX) && looksLikeCredential(password.slice(PREFIX.length));
}

export class PeerLoginVerifier {
  private readonly v: CredentialVerifier;

  /** `self`: this node's name and current registration. */
  constructor(secret: string, self: () => Audience, private readonly protocol: PeerProtocol = 'IMAP') {
    this.v = new CredentialVerifier(secret, self);
  }

  /** The peer node's name when the credential is valid for `account` here and now (and is consumed), else undefined. */
  verify(account: string, password: string): string | undefined {
    if (!isPeerPassword(password)) return undefined;
    const verdict = this.v.verify(password.slice(PREFIX.length), purposeOf(this.protocol), account);
    return verdict.ok ? verdict.issuer : undefined;
  }
}
