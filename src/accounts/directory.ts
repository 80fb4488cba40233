/**
 * The account directory in etcd (design §3): `domains/<domain>` and `accounts/<domain>/<local>`.
 * Names are normalised (src/util/account.ts) before they become keys. Values are validated when
 * read back. Creation is a transaction (`createRevision == 0`, domain present), so two operators
 * adding the same account at once cannot both succeed.
 *
 * Fails with DirectoryError carrying a stable code: NO_SUCH_DOMAIN, NO_SUCH_ACCOUNT, EXISTS,
 * DOMAIN_NOT_EMPTY.
 */
import type { Etcd3 } from 'etcd3';
import { z } from 'zod';
import type { Keys } from '../cluster/keys.ts';
import { parseJson } from '../cluster/values.ts';
import { AccountNameError, normaliseDomain, parseAccount } from '../util/account.ts';
import { hashPassword, verifyPassword } from './password.ts';

export const domainValueSchema = z.object({ created: z.number() });
export const accountValueSchema = z.object({
  passwordHash: z.string(),
  /** Bytes; 0 means unlimited. */
  quotaBytes: z.number().int().min(0).default(0),
  enabled: z.boolean().default(true),
  created: z.number(),
});
export type AccountValue = z.infer<typeof accountValueSchema>;

const DUMMY_HASH = '$scrypt$ln=14,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

export class DirectoryError extends Error {
  constructor(readonly code: 'NO_SUCH_DOMAIN' | 'NO_SUCH_ACCOUNT' | 'EXISTS' | 'DOMAIN_NOT_EMPTY', message: string) {
    super(message);
    this.name = 'DirectoryError';
  }
}

export interface AccountEntry extends AccountValue { address: string }

/** Runs one password hash computation (see AccountDirectory.authenticate). */
export type Hashing = (hash: () => Promise<boolean>) => Promise<boolean>;

export class AccountDirectory {
  constructor(private readonly etcd: Etcd3, private readonly keys: Keys) {}

  private domainKey(domain: string): string { return `${this.keys.prefix}domains/${domain}`; }
  private accountKey(domain: string, local: string): string { return `${this.keys.prefix}accounts/${domain}/${local}`; }

  async addDomain(input: string): Promise<string> {
    const domain = normaliseDomain(input);
    const key = this.domainKey(domain);
    const r = await this.etcd.if(key, 'Create', '==', 0).then(this.etcd.put(key).value(JSON.stringify({ created: Date.now() }))).commit();
    if (!r.succeeded) throw new DirectoryError('EXISTS', `domain ${domain} exists`);
    return domain;
  }

  async deleteDomain(input: string, force = false): Promise<void> {
    const domain = normaliseDomain(input);
    if (!(await this.hasDomain(domain))) throw new DirectoryError('NO_SUCH_DOMAIN', `no domain ${domain}`);
    const prefix = `${this.keys.prefix}accounts/${domain}/`;
    const count = await this.etcd.getAll().prefix(prefix).count();
    if (count > 0 && !force) throw new DirectoryError('DOMAIN_NOT_EMPTY', `domain ${domain} has ${count} accounts (use --force)`);
    await this.etcd.if(this.domainKey(domain), 'Create', '>', 0).then(this.etcd.delete().key(this.domainKey(domain)), this.etcd.delete().prefix(prefix)).commit();
  }

  async hasDomain(domain: string): Promise<boolean> {
    return (await this.etcd.get(this.domainKey(domain)).string()) !== null;
  }

  async listDomains(): Promise<string[]> {
    const p = `${this.keys.prefix}domains/`;
    return (await this.etcd.getAll().prefix(p).keys()).map((k) => k.slice(p.length)).sort();
  }

  async addAccount(input: string, password: string, quotaBytes = 0): Promise<string> {
    const a = parseAccount(input);
    const value: AccountValue = { passwordHash: await hashPassword(password), quotaBytes, enabled: true, created: Date.now() };
    const key = this.accountKey(a.domain, a.local);
    const r = await this.etcd
      .if(this.domainKey(a.domain), 'Create', '>', 0)
      .and(key, 'Create', '==', 0)
      .then(this.etcd.put(key).value(JSON.stringify(value)))
      .else(this.etcd.get(this.domainKey(a.domain)))
      .commit();
    if (!r.succeeded) {
      const domainExists = (r.responses[0]?.response_range?.kvs.length ?? 0) > 0;
      throw domainExists ? new DirectoryError('EXISTS', `account ${a.address} exists`) : new DirectoryError('NO_SUCH_DOMAIN', `no domain ${a.domain}`);
    }
    return a.address;
  }

  async deleteAccount(input: string): Promise<void> {
    const a = parseAccount(input);
    const r = await this.etcd.delete().key(this.accountKey(a.domain, a.local)).exec();
    if (r.deleted === '0') throw new DirectoryError('NO_SUCH_ACCOUNT', `no account ${a.address}`);
  }

  async getAccount(input: string): Promise<AccountEntry | undefined> {
    const a = parseAccount(input);
    const raw = await this.etcd.get(this.accountKey(a.domain, a.local)).buffer();
    const v = parseJson(accountValueSchema, raw);
    return v && { address: a.address, ...v };
  }

  /** Updates fields of an existing account (guarded on its mod revision: no lost update). */
  async updateAccount(input: string, change: { password?: string; quotaBytes?: number; enabled?: boolean }): Promise<void> {
    const a = parseAccount(input);
    const key = this.accountKey(a.domain, a.local);
    for (let attempt = 0; attempt < 5; attempt++) {
      const res = await this.etcd.get(key).exec();
      const kv = res.kvs[0];
      const current = kv && parseJson(accountValueSchema, kv.value);
      if (!kv || !current) throw new DirectoryError('NO_SUCH_ACCOUNT', `no account ${a.address}`);
      const next: AccountValue = {
        ...current,
        ...(change.password !== undefined ? { passwordHash: await hashPassword(change.password) } : {}),
        ...(change.quotaBytes !== undefined ? { quotaBytes: change.quotaBytes } : {}),
        ...(change.enabled !== undefined ? { enabled: change.enabled } : {}),
      };
      const r = await this.etcd.if(key, 'Mod', '==', kv.mod_revision).then(this.etcd.put(key).value(JSON.stringify(next))).commit();
      if (r.succeeded) return;
    }
    throw new Error(`account ${a.address} changed concurrently; try again`);
  }

  async listAccounts(domainInput?: string): Promise<AccountEntry[]> {
    const base = `${this.keys.prefix}accounts/`;
    const prefix = domainInput ? `${base}${normaliseDomain(domainInput)}/` : base;
    const res = await this.etcd.getAll().prefix(prefix).exec();
    const out: AccountEntry[] = [];
    for (const kv of res.kvs) {
      const [domain, local] = kv.key.toString().slice(base.length).split('/') as [string, string];
      const v = parseJson(accountValueSchema, kv.value);
      if (v) out.push({ address: `${local}@${domain}`, ...v });
    }
    return out.sort((x, y) => x.address.localeCompare(y.address));
  }

  /**
   * Checks credentials. Returns the normalised address when the account exists, is enabled and
   * the password matches; undefined otherwise (the caller must not tell which part failed).
   * `hashing` runs the password hash (e.g. VerifyGate: bounded concurrency); default: at once.
   */
  async authenticate(input: string, password: string, hashing: Hashing = (hash) => hash()): Promise<string | undefined> {
    let entry: AccountEntry | undefined;
    try {
      entry = await this.getAccount(input);
    } catch (err) {
      // a name that cannot be an account has no password; an unreadable directory is no answer
      if (err instanceof AccountNameError) return undefined;
      throw err;
    }
    if (!entry || !entry.enabled) {
      // Spend the same time as a real check, so response times do not reveal which accounts exist.
      await hashing(() => verifyPassword(password, DUMMY_HASH));
      return undefined;
    }
    const hash = entry.passwordHash;
    return (await hashing(() => verifyPassword(password, hash))) ? entry.address : undefined;
  }
}
