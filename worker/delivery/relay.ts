/**
 * Outbound relay for submitted mail to other domains (design §7): through the configured smarthost,
 * or directly to the recipient domain's MX hosts in preference order (falling back to the domain's
 * address record, RFC 5321 §5.1), trying the next host only when a host cannot be reached. A null
 * MX (RFC 7505) fails at once with 556 5.1.10, and so does a domain that does not exist (NXDOMAIN,
 * 550 5.1.2, as Postfix bounces it: waiting days for a name that is not there helps nobody); a
 * failed MX lookup (SERVFAIL, timeout) is 451 4.4.3.
 *
 * Name lookups: with `dnsServers` set, the MX records and the MX hosts' addresses (A, else AAAA) are
 * asked of those servers, and each address is tried in turn with the host name kept as the TLS
 * server name; otherwise the system's servers answer the MX lookup and nodemailer resolves the host
 * name itself (the system resolver, /etc/hosts included).
 */
import { lookup, Resolver } from 'node:dns/promises';
import type { Logger } from '../../src/log/logger.ts';
import { isConnectionFailure, transact, type Outcome } from './smtp-client.ts';

export interface RelayOptions {
  /** `host:port`, or empty for direct MX delivery. */
  smarthost: string;
  mxPort: number;
  hostname: string;
  log: Logger;
  /** DNS servers (`ip`, `ip:port`, `[ipv6]:port`) for MX and address lookups; empty = the system's. */
  dnsServers?: readonly string[];
}

/** Per-try deadline of a DNS query, and tries per server, before a lookup fails with ETIMEOUT. */
const DNS_TIMEOUT_MS = 3000;
const DNS_TRIES = 2;

/** Lookup answers that mean "no such record", as opposed to "could not find out". */
const NO_RECORD = new Set(['ENOTFOUND', 'ENODATA']);

export class Relay {
  private readonly dns = new Resolver({ timeout: DNS_TIMEOUT_MS, tries: DNS_TRIES });
  private readonly ownAddresses: boolean;

  /** Throws when a `dnsServers` entry is not an IP address with an optional port. */
  constructor(private readonly o: RelayOptions) {
    this.ownAddresses = (o.dnsServers?.length ?? 0) > 0;
    if (this.ownAddresses) this.dns.setServers([...o.dnsServers!]);
  }

  /** One outcome per recipient; never throws. Recipients are grouped per domain, domains sent in parallel. */
  async send(from: string, recipients: string[], message: Buffer): Promise<Outcome[]> {
    if (this.o.smarthost) {
      const [host, port] = this.o.smarthost.split(':');
      return transact({ host: host!, port: Number(port ?? 25), name: this.o.hostname }, from, recipients, message);
    }
    const byDomain = new Map<string, string[]>();
    for (const r of recipients) {
      const d = r.slice(r.lastIndexOf('@') + 1).toLowerCase();
      byDomain.set(d, [...(byDomain.get(d) ?? []), r]);
    }
    const results = await Promise.all([...byDomain].map(([domain, list]) => this.toDomain(domain, from, list, message)));
    return results.flat();
  }

  private async toDomain(domain: string, from: string, recipients: string[], message: Buffer): Promise<Outcome[]> {
    const failAll = (permanent: boolean, reply: string): Outcome[] => recipients.map((address) => ({ address, ok: false, permanent, reply }));
    let hosts: string[];
    try {
      const mx = await this.dns.resolveMx(domain);
      hosts = mx.sort((a, b) => a.priority - b.priority).map((m) => m.exchange);
      if (hosts.length === 1 && hosts[0] === '') return failAll(true, '556 5.1.10 domain does not accept mail (null MX)');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      if (!NO_RECORD.has(code)) return failAll(false, `451 4.4.3 MX lookup for ${domain} failed: ${code}`);
      if (code === 'ENOTFOUND' && !(await this.mayExist(domain))) return failAll(true, `550 5.1.2 domain ${domain} does not exist`);
      hosts = [domain];
    }
    let last: Outcome[] = [];
    for (const host of hosts) {
      let addresses: string[];
      try {
        addresses = await this.addressesOf(host);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'error';
        last = failAll(false, `451 4.4.3 address lookup for ${host} failed: ${code}`);
        this.o.log.info({ address: host, reason: code }, 'mx unreachable, trying next');
        continue;
      }
      for (const address of addresses) {
        const servername = address === host ? undefined : host;
        last = await transact({ host: address, servername, port: this.o.mxPort, name: this.o.hostname }, from, recipients, message);
        if (!isConnectionFailure(last)) return last;
        this.o.log.info({ address: host, reason: (last[0] as { reply?: string }).reply }, 'mx unreachable, trying next');
      }
    }
    return last;
  }

  /**
   * After NXDOMAIN for `domain`'s MX: whether the name may still have an address. With `dnsServers`
   * those servers have said no; with the system's, a name from /etc/hosts (which the MX query does
   * not read) still counts, as does any answer other than "not found".
   */
  private async mayExist(domain: string): Promise<boolean> {
    if (this.ownAddresses) return false;
    try {
      await lookup(domain);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code !== 'ENOTFOUND';
    }
  }

  /** The addresses to connect to for an MX host: looked up here with `dnsServers`, else the name itself. */
  private async addressesOf(host: string): Promise<string[]> {
    if (!this.ownAddresses) return [host];
    try {
      return await this.dns.resolve4(host);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENODATA') throw err;
      return this.dns.resolve6(host);
    }
  }
}
