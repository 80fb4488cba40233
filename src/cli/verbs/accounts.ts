/** `mailcluster domain add|del|list` and `mailcluster account add|del|list|passwd|quota`. */
import type { Command } from 'commander';
import { createEtcd } from '../../cluster/etcd.ts';
import { Keys } from '../../cluster/keys.ts';
import { AccountDirectory } from '../../accounts/directory.ts';
import { clientConfig, type GlobalOptions } from '../context.ts';
import { readPassword, type PasswordFlags } from '../password-input.ts';

async function withDirectory<T>(opts: GlobalOptions, fn: (d: AccountDirectory) => Promise<T>): Promise<T> {
  const config = clientConfig(opts);
  const etcd = createEtcd(config.etcd);
  try {
    return await fn(new AccountDirectory(etcd, new Keys(config.cluster.name)));
  } finally {
    etcd.close();
  }
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
      const list = (await dir.listAccounts(d)).map(({ passwordHash: _h, ...rest }) => rest);
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
