/**
 * The peers allowed to send a PROXY protocol header: addresses or CIDR blocks (`10.0.0.0/8`,
 * `127.0.0.1`, `fd00::/8`), IPv4 and IPv6. IPv4-mapped IPv6 peers (`::ffff:10.1.2.3`, what a
 * dual-stack listener reports) are matched as the IPv4 address they carry.
 *
 * `parseCidr` returns undefined for anything else, so the config schema can reject it at start.
 */
import { BlockList, isIP } from 'node:net';

export interface Cidr { address: string; prefix: number; family: 'ipv4' | 'ipv6' }

export function parseCidr(text: string): Cidr | undefined {
  const [address, bits, extra] = text.trim().split('/');
  if (extra !== undefined || !address) return undefined;
  const v = isIP(address);
  if (v === 0) return undefined;
  const max = v === 4 ? 32 : 128;
  if (bits !== undefined && !/^(0|[1-9][0-9]{0,2})$/.test(bits)) return undefined;
  const prefix = bits === undefined ? max : Number(bits);
  if (prefix > max) return undefined;
  return { address, prefix, family: v === 4 ? 'ipv4' : 'ipv6' };
}

export class TrustedProxies {
  private readonly list = new BlockList();
  readonly empty: boolean;

  /** Throws on an entry parseCidr refuses (the schema has checked them already). */
  constructor(entries: readonly string[]) {
    for (const e of entries) {
      const c = parseCidr(e);
      if (!c) throw new Error(`not an address or CIDR block: ${e}`);
      this.list.addSubnet(c.address, c.prefix, c.family);
    }
    this.empty = entries.length === 0;
  }

  trusts(peer: string | undefined): boolean {
    if (!peer) return false;
    const plain = peer.startsWith('::ffff:') && peer.includes('.') ? peer.slice(7) : peer;
    const v = isIP(plain);
    return v !== 0 && this.list.check(plain, v === 4 ? 'ipv4' : 'ipv6');
  }
}
