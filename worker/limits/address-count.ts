/**
 * Connections at once per client address on one listener group (Dovecot's
 * `mail_max_userip_connections`, Postfix's `smtpd_client_connection_count_limit`).
 *
 * Contract: `acquire(address)` returns a release function when the address is below the limit
 * (the connection is counted until release is called, once; later calls do nothing), or
 * undefined when the address already has `limit` connections (the caller refuses the connection).
 * Addresses are the `clientAddress` keys; the map holds only addresses with open connections.
 */
export class AddressConnectionCount {
  private readonly open = new Map<string, number>();

  constructor(readonly limit: number) {}

  acquire(address: string): (() => void) | undefined {
    const n = this.open.get(address) ?? 0;
    if (n >= this.limit) return undefined;
    this.open.set(address, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(address) ?? 1) - 1;
      if (left > 0) this.open.set(address, left);
      else this.open.delete(address);
    };
  }

  count(address: string): number {
    return this.open.get(address) ?? 0;
  }
}

/** The reply text every protocol uses when a connection is refused by AddressConnectionCount. */
export const TOO_MANY_FROM_ADDRESS = 'Too many connections from your address';
