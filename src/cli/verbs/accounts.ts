/**
 * `mailcluster domain add|del|list` and `mailcluster account add|del|list|passwd|quota`, through
 * the admin API (the directory lives in etcd; the node validates and hashes).
 */
import type { Command } from 'commander';
import { accountAddedSchema, accountListSchema, domainAddedSchema, domainListSchema, type PublicAccount } from '../../cluster/admin-api.ts';
import { AdminClient } from '../admin-client.ts';
import { clientConfig, type GlobalOptions } from '../context.ts';
import { readPassword, type PasswordFlags } from '../password-input.ts';
import { example, nonNegative } from '../help.ts';

/** The directory operations the verbs need, each one admin API call. */
class RemoteDirectory {
  constructor(private readonly api: AdminClient) {}
  async addDomain(d: string): Promise<string> { return (await this.api.post('/domains', domainAddedSchema, { domain: d })).domain; }
  async deleteDomain(d: string, force?: boolean): Promise<void> { await this.api.delete(`/domains/${encodeURIComponent(d)}${force ? '?force=1' : ''}`); }
  async listDomains(): Promise<string[]> { return this.api.get('/domains', domainListSchema); }
  async addAccount(address: string, password: string, quotaBytes: number): Promise<string> {
    return (await this.api.post('/accounts', accountAddedSchema, { address, password, quotaBytes })).address;
  }
  async deleteAccount(a: string): Promise<void> { await this.api.delete(`/accounts/${encodeURIComponent(a)}`); }
  listAccounts(domain?: string): Promise<PublicAccount[]> {
    return this.api.get(`/accounts${domain ? `?domain=${encodeURIComponent(domain)}` : ''}`, accountListSchema);
  }
  async updateAccount(a: string, change: { password?: string; quotaBytes?: number; enabled?: boolean }): Promise<void> {
    await this.api.patch(`/accounts/${encodeURIComponent(a)}`, change);
  }
}

async function withDirectory<T>(opts: GlobalOptions, fn: (d: RemoteDirectory) => Promise<T>): Promise<T> {
  return fn(new RemoteDirectory(new AdminClient(clientConfig(opts))));
}

const out = (s: string): void => void process.stdout.write(`${s}\n`);

function quotaBytes(mb: number | undefined): number {
  return mb === undefined ? 0 : Math.round(mb * 1024 * 1024);
}

export function registerAccountVerbs(program: Command, global: () => GlobalOptions, guarded: <A extends unknown[]>(fn: (...a: A) => Promise<void>) => (...a: A) => Promise<void>): void {
  const domain = example(program.command('domain').description('served mail domains'), 'domain add example.com', 'domain list --json');
  example(domain.command('add <domain>').description('serve mail for a domain'), 'domain add example.com').action(guarded((d: string) => withDirectory(global(), async (dir) => out(`domain ${await dir.addDomain(d)} added`))));
  example(domain
    .command('del <domain>')
    .description('stop serving a domain (refused while it has accounts, unless --force)')
    .option('--force', 'also delete its accounts (not their mail)'), 'domain del example.org', 'domain del example.org --force')
    .action(guarded((d: string, o: { force?: boolean }) => withDirectory(global(), async (dir) => {
      await dir.deleteDomain(d, o.force);
      out(`domain ${d.toLowerCase()} deleted`);
    })));
  example(domain.command('list').description('the served domains, one a line').option('--json', 'JSON output'), 'domain list', 'domain list --json')
    .action(guarded((o: { json?: boolean }) => withDirectory(global(), async (dir) => {
      const list = await dir.listDomains();
      if (o.json) out(JSON.stringify(list));
      else list.forEach(out);
    })));

  const account = example(program.command('account').description('mail accounts'), "account add alice@example.com --password-stdin <<< 'a long password'", 'account list --json');
  example(account
    .command('add <address>')
    .description('create an account (its password is stored as a scrypt hash)')
    .option('--password <password>', 'the password (visible to other local users; prefer --password-stdin)')
    .option('--password-stdin', 'read the password from the first line of stdin')
    .option('--quota <MiB>', 'mailbox quota in MiB, 0 = unlimited', nonNegative),
  "account add alice@example.com --password-stdin <<< 'a long password'", 'account add bob@example.com --quota 2048')
    .action(guarded(async (a: string, o: PasswordFlags & { quota?: number }) => {
      const password = await readPassword(o);
      await withDirectory(global(), async (dir) => out(`account ${await dir.addAccount(a, password, quotaBytes(o.quota))} added`));
    }));
  example(account.command('del <address>').description('delete an account (its mail stays on disk)'), 'account del bob@example.com').action(guarded((a: string) => withDirectory(global(), async (dir) => {
    await dir.deleteAccount(a);
    out(`account ${a.toLowerCase()} deleted (its mail stays on disk)`);
  })));
  example(account
    .command('list [domain]')
    .description('accounts, of one domain or all, with state and quota')
    .option('--json', 'JSON output'), 'account list', 'account list example.com --json')
    .action(guarded((d: string | undefined, o: { json?: boolean }) => withDirectory(global(), async (dir) => {
      const list = await dir.listAccounts(d);
      if (o.json) out(JSON.stringify(list));
      else list.forEach((x) => out(`${x.address}\t${x.enabled ? 'enabled' : 'disabled'}\tquota ${x.quotaBytes ? `${(x.quotaBytes / 1048576).toFixed(0)} MiB` : 'none'}`));
    })));
  example(account
    .command('passwd <address>')
    .description('set a new password (prompted for unless given)')
    .option('--password <password>', 'the new password (visible to other local users; prefer --password-stdin)')
    .option('--password-stdin', 'read the new password from the first line of stdin'), 'account passwd alice@example.com')
    .action(guarded(async (a: string, o: PasswordFlags) => {
      const password = await readPassword(o);
      await withDirectory(global(), async (dir) => {
        await dir.updateAccount(a, { password });
        out(`password of ${a.toLowerCase()} changed`);
      });
    }));
  example(account
    .command('quota <address>')
    .description('set the mailbox quota in MiB (0 = unlimited)')
    .argument('<MiB>', 'quota in MiB, 0 = unlimited', nonNegative), 'account quota alice@example.com 2048')
    .action(guarded((a: string, mb: number) => withDirectory(global(), async (dir) => {
      await dir.updateAccount(a, { quotaBytes: quotaBytes(mb) });
      out(`quota of ${a.toLowerCase()} set`);
    })));
}
