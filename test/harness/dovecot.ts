/**
 * A private Dovecot (Debian's dovecot-imapd) on loopback: a minimal loopback configuration pointed at
 * a mail root of ours and on free ports.
 * Needs root (Dovecot drops privileges to `nobody`) and the package; fails loudly without them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { freePorts } from '../../src/devcluster/ports.ts';

/** Fails loudly when Dovecot is missing; `bin/system-deps.sh` (run by `npm test`) installs it. */
export function ensureDovecot(): void {
  if (existsSync('/usr/sbin/dovecot')) return;
  throw new Error('Dovecot is needed: run bin/system-deps.sh as root (or apt-get install dovecot-imapd dovecot-lmtpd)');
}

export class Dovecot {
  private child: ChildProcess | undefined;
  imapPort = 0;
  lmtpPort = 0;

  /** `mailLocation` uses Dovecot's variables, e.g. `maildir:/root/mail/%d/%n`. */
  /**
   * `passwdFile`: a Dovecot passwd-file of hashed passwords (e.g. SHA512-CRYPT) instead of the
   * static passdb, so every login verifies a hash (Dovecot's auth cache is off by default).
   */
  constructor(private readonly dir: string, private readonly mailLocation: string, private readonly password = 'pass', private readonly passwdFile?: string) {}

  async start(): Promise<void> {
    ensureDovecot();
    if (process.getuid?.() !== 0) throw new Error('the Dovecot peer must be started as root');
    [this.imapPort, this.lmtpPort] = (await freePorts(2)) as [number, number];
    for (const d of ['run', 'state']) mkdirSync(join(this.dir, d), { recursive: true });
    const conf = join(this.dir, 'dovecot.conf');
    writeFileSync(
      conf,
      `base_dir = ${this.dir}/run
state_dir = ${this.dir}/state
log_path = ${this.dir}/dovecot.log
protocols = imap lmtp
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = ${this.mailLocation}
mail_fsync = optimized
mail_uid = nobody
mail_gid = nogroup
${this.passwdFile ? `passdb {
  driver = passwd-file
  args = ${this.passwdFile}
}` : `passdb {
  driver = static
  args = password=${this.password}
}`}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=${this.dir}/home/%d/%n
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${this.imapPort}
  }
  inet_listener imaps {
    port = 0
  }
  service_count = 0
  process_min_avail = 2
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = ${this.lmtpPort}
  }
}
protocol lmtp {
  postmaster_address = postmaster@example.test
}
namespace inbox {
  inbox = yes
}
`,
    );
    this.child = spawn('/usr/sbin/dovecot', ['-F', '-c', conf], { stdio: ['ignore', 'inherit', 'inherit'] });
    const until = Date.now() + 15_000;
    while (!(await this.answers())) {
      if (Date.now() > until || this.child.exitCode !== null) throw new Error(`dovecot did not start (see ${this.dir}/dovecot.log)`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private answers(): Promise<boolean> {
    return new Promise((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port: this.imapPort }, () => {
        s.once('data', (d) => {
          s.destroy();
          resolve(d.toString().startsWith('* OK'));
        });
      });
      s.on('error', () => resolve(false));
    });
  }

  /** The master process (its children serve the sessions), for CPU accounting. */
  get pid(): number | undefined { return this.child?.pid; }

  async stop(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await exited;
  }
}
