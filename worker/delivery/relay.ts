/**
 * Outbound relay for submitted mail to other domains (design §7): through the configured smarthost,
 * or directly to the recipient domain's MX hosts in preference order (falling back to the domain's
 * address record, RFC 5321 §5.1), trying the next host only when a host cannot be reached.
 */
import { promises as dns } from 'node:dns';
import type { Logger } from '../../src/log/logger.ts';
import { isConnectionFailure, transact, type Outcome } from './smtp-client.ts';

export interface RelayOptions {
  /** `host:port`, or empty for direct MX delivery. */
  smarthost: string;
  mxPort: number;
  hostname: string;
  log: Logger;
  resolveMx?: (domain: string) => Promise<Array<{ exchange: string; priority: number }>>;
}

export class Relay {
  constructor(private readonly o: RelayOptions) {}

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
    let hosts: string[];
    try {
      const mx = await (this.o.resolveMx ?? dns.resolveMx)(domain);
      hosts = mx.sort((a, b) => a.priority - b.priority).map((m) => m.exchange);
      if (hosts.length === 1 && hosts[0] === '') {
        return recipients.map((address) => ({ address, ok: false, permanent: true, reply: '556 5.1.10 domain does not accept mail (null MX)' }));
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTFOUND' || code === 'ENODATA') hosts = [domain];
      else return recipients.map((address) => ({ address, ok: false, permanent: false, reply: `451 4.4.3 MX lookup for ${domain} failed: ${code}` }));
    }
    let last: Outcome[] = [];
    for (const host of hosts) {
      last = await transact({ host, port: this.o.mxPort, name: this.o.hostname }, from, recipients, message);
      if (!isConnectionFailure(last)) return last;
      this.o.log.info({ address: host, reason: (last[0] as { reply?: string }).reply }, 'mx unreachable, trying next');
    }
    return last;
  }
}
