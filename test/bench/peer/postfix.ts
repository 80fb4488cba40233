/**
 * The side-by-side peer for `npm run bench:smtp`: a private Postfix (Debian's postfix) on
 * loopback that hands mail over LMTP to a private Dovecot, configured from postfix-main.cf and
 * postfix-master.cf beside this file, written to the run's own directory (`postfix -c`): nothing
 * under /etc is read or written. Postfix fsyncs its queue file before 250 and Dovecot
 * (mail_fsync = optimized) fsyncs delivered mail: the same durability as ours.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts } from '../../../src/devcluster/ports.ts';
import { Dovecot } from '../../harness/dovecot.ts';

const CONFIGS = new URL('./', import.meta.url).pathname;

export function ensurePostfix(): void {
  if (existsSync('/usr/sbin/postfix') && existsSync('/usr/sbin/smtp-source')) return;
  if (process.getuid?.() !== 0) throw new Error('the benchmark peer needs Debian\'s postfix: apt-get install postfix (as root)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('sh', ['-c', 'echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections'], { stdio: 'inherit' });
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const r = spawnSync('apt-get', ['install', '-y', '-qq', 'postfix'], { stdio: 'inherit', env });
  if (r.status !== 0) throw new Error('installing postfix failed');
}

export class PostfixPeer {
  readonly dovecot: Dovecot;
  smtpPort = 0;
  private readonly etc: string;

  constructor(readonly root: string) {
    this.dovecot = new Dovecot(join(root, 'dovecot'), `maildir:${root}/vmail/%d/%n`);
    this.etc = join(root, 'postfix', 'etc');
  }

  get vmail(): string { return join(this.root, 'vmail'); }

  async start(): Promise<void> {
    ensurePostfix();
    mkdirSync(this.vmail, { recursive: true });
    execFileSync('chown', ['nobody:nogroup', this.vmail]);
    await this.dovecot.start();
    [this.smtpPort] = (await freePorts(1)) as [number];
    for (const d of ['etc', 'spool', 'data']) mkdirSync(join(this.root, 'postfix', d), { recursive: true });
    const main = readFileSync(join(CONFIGS, 'postfix-main.cf'), 'utf8')
      .replaceAll('@ROOT@', this.root)
      .replace('lmtp:inet:127.0.0.1:10024', `lmtp:inet:127.0.0.1:${this.dovecot.lmtpPort}`);
    const master = readFileSync(join(CONFIGS, 'postfix-master.cf'), 'utf8').replace('127.0.0.1:10025', `127.0.0.1:${this.smtpPort}`);
    writeFileSync(join(this.etc, 'main.cf'), main);
    writeFileSync(join(this.etc, 'master.cf'), master);
    // As root, `postfix -c` needs no alternate_config_directories entry in /etc/postfix/main.cf
    // (only the set-gid commands postdrop and postqueue do, and this peer uses neither).
    execFileSync('/usr/sbin/postfix', ['-c', this.etc, 'set-permissions'], { stdio: 'ignore' });
    execFileSync('/usr/sbin/postfix', ['-c', this.etc, 'start'], { stdio: 'inherit' });
  }

  /** Postfix's master and Dovecot's master: every process that handles the peer's mail descends from one of them. */
  pids(): number[] {
    const master = Number(readFileSync(join(this.root, 'postfix', 'spool', 'pid', 'master.pid'), 'utf8').trim());
    return [master, this.dovecot.pid!];
  }

  async stop(): Promise<void> {
    spawnSync('/usr/sbin/postfix', ['-c', this.etc, 'stop'], { stdio: 'ignore' });
    await this.dovecot.stop();
  }
}
