/**
 * The address of the client on the other end of a connection, as limits and logs must see it.
 *
 * Contract: `clientAddress(socket)` is the socket's peer address unless a trusted load balancer
 * declared the real client with a PROXY protocol header, in which case `declareClientAddress`
 * was called for that socket before any byte of the protocol was read and its value wins.
 * Per-address limits, authentication penalties and log lines key on this, never on
 * `socket.remoteAddress` directly. IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) are reported
 * as plain IPv4 so one client has one key.
 */
import type { Socket } from 'node:net';

const declared = new WeakMap<object, string>();

export function declareClientAddress(socket: Socket, address: string): void {
  declared.set(socket, normalise(address));
}

export function clientAddress(socket: Socket): string {
  return declared.get(socket) ?? normalise(socket.remoteAddress ?? 'unknown');
}

function normalise(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
