/**
 * A short-lived cache in front of the account directory for the per-recipient checks of SMTP
 * (domain served? account exists and enabled?). Positive answers live `ttlMs`, negative ones
 * `negativeTtlMs`, so an account added by an operator is accepted within a second. Authentication
 * never goes through this cache.
 *
 * While the directory cannot be read (etcd unreachable), a positive answer seen within the last
 * `staleMs` still stands: mail for known accounts is accepted into the spool through an etcd
 * outage and delivered after it. Anything else rejects (SMTP answers a temporary 451): a negative
 * answer is never reused past its TTL, since the account may have been added meanwhile.
 */
import type { AccountDirectory } from './directory.ts';

interface Entry { value: boolean; until: number; seen: number }

export class DirectoryCache {
  private readonly domains = new Map<string, Entry>();
  private readonly accounts = new Map<string, Entry>();

  constructor(
    readonly directory: AccountDirectory,
    private readonly ttlMs = 5000,
    private readonly negativeTtlMs = 1000,
    private readonly staleMs = 3_600_000,
  ) {}

  hasDomain(domain: string): Promise<boolean> {
    return this.cached(this.domains, domain, () => this.directory.hasDomain(domain));
  }

  /** True when the (normalised) account exists and is enabled. */
  hasAccount(address: string): Promise<boolean> {
    return this.cached(this.accounts, address, async () => {
      const a = await this.directory.getAccount(address);
      return !!a && a.enabled;
    });
  }

  private async cached(map: Map<string, Entry>, key: string, load: () => Promise<boolean>): Promise<boolean> {
    const now = Date.now();
    const hit = map.get(key);
    if (hit && hit.until > now) return hit.value;
    let value: boolean;
    try {
      value = await load();
    } catch (err) {
      if (hit?.value && now - hit.seen <= this.staleMs) return true;
      throw err;
    }
    if (map.size > 100_000) map.clear();
    map.set(key, { value, until: now + (value ? this.ttlMs : this.negativeTtlMs), seen: now });
    return value;
  }
}
