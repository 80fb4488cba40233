/**
 * `mailcluster domain add|del|list` and `mailcluster account add|del|list|passwd|quota`, through
 * the admin API (the directory lives in etcd; the node validates and hashes).
 */
import type { Command } from 'commander';
import type { AccountEntry } from '../../accounts/directory.ts';
import { AdminClient } from '../admin-client.ts';
import { clientConfig, type GlobalOptions } from '../context.ts';
import { readPassword, type PasswordFlags } from '../password-input.ts';

/** The directory operations the verbs need, each one admin API call. */
class RemoteDirectory {
  constructor(private readonly api: AdminClient) {}
  async addDomain(d: string): Promise<string> { return ((await this.api.post('/domains', { domain: d })) as { domain: string }).domain; }
  async deleteDomain(d: string, force?: boolean): Promise<void> { await this.api.delete(`/domains/${encodeURIComponent(d)}${force ? '?force=1' : ''}`); }
  async listDomains(): Promise<string[]> { return (await this.api.get('/domains')) as string[]; }
  async addAccount(address: string, password: string, quotaBytes: number): Promise<string> {
    return ((await this.api.post('/accounts', { address, password, quotaBytes })) as { address: string }).address;
  }
  async deleteAccount(a: string): Promise<void> { await this.api.delete(`/accounts/${encodeURIComponent(a)}`); }
  async listAccounts(domain?: string): Promise<Array<Omit<AccountEntry, 'passwordHash'>>> {
    return (await this.api.get(`/accounts${domain ? `?domain=${encodeURIComponent(domain)}` : ''}`)) as Array<Omit<AccountEntry, 'passwordHash'>>;
  }
  async updateAccount(a: string, change: { password?: string; quotaBytes?: number; enabled?: boolean }): Promise<void> {
    await this.api.patch(`/accounts/${encodeURIComponent(a)}`, change);
  }
}

async function withDirectory<T>(opts: GlobalOptions, fn: (d: RemoteDirectory) => Promise<T>): Promise<T> {
  return fn(new RemoteDirectory(new AdminClient(clientConfig(opts))));
}

const out = (s: string): void => void process.stdout.write(`${s}\n`);

function quotaBytes(mb: string | undefined): number {
  if (mb === undefined) return 0;
  const n = Number(mb);
  if (!Number.isFinite(n) || n < 0) throw new Error('--quota takes a number of MiB (0 = unlimited)');
  return Math.round(n * 1024 * 1024);
}

export function registerAccountVerbs(program: Command, global: () => GlobalOptions, guarded: <A extends unknown[]>(fn: (...a: A) => Promise<void>) => (...a: A) => Promise<void>): void {
  const domain = program.command('domain').description('served mail domains');
  domain.command('add <domain>').action(guarded((d: string) => withDirectory(global(), async (dir) => out(`domain ${await dir.addDomain(d)} added`))));
  domain
    .command('del <domain>')
    .option('--force', 'also delete its accounts (not their mail)')
    .action(guarded((d: string, o: { force?: boolean }) => withDirectory(global(), async (dir) => {
      await dir.deleteDomain(d, o.force);
      out(`domain ${d.toLowerCase()} deleted`);
    })));
  domain.command('list').action(guarded(() => withDirectory(global(), async (dir) => (await dir.listDomains()).forEach(out))));

  const account = program.command('account').description('mail accounts');
  account
    .command('add <address>')
    .option('--password <password>', 'the password (visible to other local users; prefer --password-stdin)')
    .option('--password-stdin', 'read the password from the first line of stdin')
    .option('--quota <MiB>', 'mailbox quota in MiB, 0 = unlimited')
    .action(guarded(async (a: string, o: PasswordFlags & { quota?: string }) => {
      const password = await readPassword(o);
      await withDirectory(global(), async (dir) => out(`account ${await dir.addAccount(a, password, quotaBytes(o.quota))} added`));
    }));
  account.command('del <address>').action(guarded((a: string) => withDirectory(global(), async (dir) => {
    await dir.deleteAccount(a);
    out(`account ${a.toLowerCase()} deleted (its mail stays on disk)`);
  })));
  account
    .command('list [domain]')
    .option('--json', 'JSON output')
    .action(guarded((d: string | undefined, o: { json?: boolean }) => withDirectory(global(), async (dir) => {
      const list = await dir.listAccounts(d);
      if (o.json) out(JSON.stringify(list));
      else list.forEach((x) => out(`${x.address}\t${x.enabled ? 'enabled' : 'disabled'}\tquota ${x.quotaBytes ? `${(x.quotaBytes / 1048576).toFixed(0)} MiB` : 'none'}`));
    })));
  account
    .command('passwd <address>')
    .option('--password <password>')
    .option('--password-stdin')
    .action(guarded(async (a: string, o: PasswordFlags) => {
      const password = await readPassword(o);
      await withDirectory(global(), async (dir) => {
        await dir.updateAccount(a, { password });
        out(`password of ${a.toLowerCase()} changed`);
      });
    }));
  account
    .command('quota <address> <MiB>')
    .action(guarded((a: string, mb: string) => withDirectory(global(), async (dir) => {
      await dir.updateAccount(a, { quotaBytes: quotaBytes(mb) });
      out(`quota of ${a.toLowerCase()} set`);
    })));
}
