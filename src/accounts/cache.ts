/**
 * A short-lived cache in front of the account directory for the per-recipient checks of SMTP
 * (domain served? account exists and enabled?). Positive answers live `ttlMs`, negative ones
 * `negativeTtlMs`, so an account added by an operator is accepted within a second. Authentication
 * never goes through this cache.
 */
import type { AccountDirectory } from './directory.ts';

export class DirectoryCache {
  private readonly domains = new Map<string, { value: boolean; until: number }>();
  private readonly accounts = new Map<string, { value: boolean; until: number }>();

  constructor(readonly directory: AccountDirectory, private readonly ttlMs = 5000, private readonly negativeTtlMs = 1000) {}

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

  private async cached(map: Map<string, { value: boolean; until: number }>, key: string, load: () => Promise<boolean>): Promise<boolean> {
    const now = Date.now();
    const hit = map.get(key);
    if (hit && hit.until > now) return hit.value;
    const value = await load();
    if (map.size > 100_000) map.clear();
    map.set(key, { value, until: now + (value ? this.ttlMs : this.negativeTtlMs) });
    return value;
  }
}
