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

  constructor(private readonly directory: () => AccountDirectory, private readonly ttlMs = 5000) {}

  async limit(account: string): Promise<number> {
    const hit = this.limits.get(account);
    if (hit && hit.until > Date.now()) return hit.limit;
    const limit = (await this.directory().getAccount(account))?.quotaBytes ?? 0;
    if (this.limits.size > 100_000) this.limits.clear();
    this.limits.set(account, { limit, until: Date.now() + this.ttlMs });
    return limit;
  }

  /** For MaildirDelivery: usage and limit, or undefined when the account has no limit. */
  async check(account: string, dir: string): Promise<{ used: number; limit: number } | undefined> {
    const limit = await this.limit(account);
    return limit > 0 ? { used: await maildirUsage(dir), limit } : undefined;
  }
}
