/**
 * Quota on delivery (RFC 9208 semantics, design §1: exact on the holder): the account's limit
 * from the directory (cached for a few seconds) and its usage summed from the maildir's file
 * names (`,S=<size>`, with a stat fallback), over INBOX and every Maildir++ folder. Accounts
 * without a limit cost one cached lookup.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AccountDirectory } from '../../src/accounts/directory.ts';

const SIZE = /,S=(\d+)(?:[,:]|$)/;

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const sub of ['cur', 'new']) {
    const d = join(dir, sub);
    for (const name of await readdir(d).catch(() => [] as string[])) {
      const m = SIZE.exec(name);
      if (m) total += Number(m[1]);
      else total += (await stat(join(d, name)).catch(() => undefined))?.size ?? 0;
    }
  }
  return total;
}

/** Bytes used by the account whose Maildir++ root is `dir` (INBOX plus `.Folder` subdirectories). */
export async function maildirUsage(dir: string): Promise<number> {
  let total = await folderBytes(dir);
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (e.isDirectory() && e.name.startsWith('.') && e.name !== '.' && e.name !== '..') total += await folderBytes(join(dir, e.name));
  }
  return total;
}

export class QuotaLookup {
  private readonly limits = new Map<string, { limit: number; until: number }>();
  /** Usage scanned at most every `usageTtlMs`, plus what was delivered here since the scan. */
  private readonly usage = new Map<string, { used: number; until: number }>();

  constructor(
    private readonly directory: () => AccountDirectory,
    private readonly ttlMs = 5000,
    private readonly usageTtlMs = 2000,
  ) {}

  async limit(account: string): Promise<number> {
    const hit = this.limits.get(account);
    if (hit && hit.until > Date.now()) return hit.limit;
    const limit = (await this.directory().getAccount(account))?.quotaBytes ?? 0;
    if (this.limits.size > 100_000) this.limits.clear();
    this.limits.set(account, { limit, until: Date.now() + this.ttlMs });
    return limit;
  }

  /**
   * For MaildirDelivery: usage and limit, or undefined when the account has no limit. A burst of
   * deliveries costs one maildir scan per `usageTtlMs`, not one per message; deliveries are added
   * as they are stored (`charge`), so only what IMAP sessions changed meanwhile (APPEND, COPY,
   * EXPUNGE) can be missed, for at most that long.
   */
  async check(account: string, dir: string): Promise<{ used: number; limit: number } | undefined> {
    const limit = await this.limit(account);
    if (limit <= 0) return undefined;
    const hit = this.usage.get(account);
    if (hit && hit.until > Date.now()) return { used: hit.used, limit };
    const used = await maildirUsage(dir);
    if (this.usage.size > 100_000) this.usage.clear();
    this.usage.set(account, { used, until: Date.now() + this.usageTtlMs });
    return { used, limit };
  }

  /** A message of `bytes` was stored for `account`: counted until the next scan. */
  charge(account: string, bytes: number): void {
    const hit = this.usage.get(account);
    if (hit) hit.used += bytes;
  }
}
