/**
 * Who is logging in, as the IMAP and POP3 sessions tell their hooks: the client's address (which
 * keys authentication penalties) and, for a session another cluster node proxies over the
 * internal peer port, that node's name as its verified certificate gives it.
 */
export interface LoginClient {
  address: string;
  linkPeer?: string;
}
