/** Mail helpers for cluster tests: accounts in the directory, sending with nodemailer, reading maildirs. */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { AccountDirectory } from '../../src/accounts/directory.ts';
import type { TestCluster } from './cluster.ts';

export async function addAccounts(c: TestCluster, domain: string, locals: string[], password = 'password-1'): Promise<string[]> {
  const dir = new AccountDirectory(c.etcd, c.keys);
  if (!(await dir.hasDomain(domain))) await dir.addDomain(domain);
  return Promise.all(locals.map((l) => dir.addAccount(`${l}@${domain}`, password)));
}

export function smtpPort(c: TestCluster, node: string): number {
  return Number(c.node(node).env.MAILCLUSTER_PORTS_SMTP);
}

export interface SendResult { accepted: string[]; rejected: string[]; response: string; messageId: string }

/** Sends one message through `node`'s port 25 with nodemailer (a real SMTP client). */
export async function send(c: TestCluster, node: string, mail: { from: string; to: string | string[]; subject: string; text?: string; raw?: string | Buffer }): Promise<SendResult> {
  const t = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort(c, node), secure: false, ignoreTLS: true, name: 'client.test' });
  try {
    const envelope = { from: mail.from, to: mail.to };
    const msg = mail.raw ? { envelope, raw: mail.raw } : { ...mail, text: mail.text ?? `body of ${mail.subject}` };
    return (await t.sendMail(msg)) as unknown as SendResult;
  } finally {
    t.close();
  }
}

export function maildir(c: TestCluster, account: string): string {
  const [local, domain] = account.split('@') as [string, string];
  return join(c.local.dataDir, 'shared', 'mail', domain, local);
}

/** The raw messages in an account's INBOX (new/ and cur/). */
export function inbox(c: TestCluster, account: string): string[] {
  const dir = maildir(c, account);
  const out: string[] = [];
  for (const sub of ['new', 'cur']) {
    const p = join(dir, sub);
    if (!existsSync(p)) continue;
    for (const f of readdirSync(p)) out.push(readFileSync(join(p, f), 'utf8'));
  }
  return out;
}

export function subjectOf(raw: string): string | undefined {
  return /^Subject: (.*)$/m.exec(raw)?.[1]?.trim();
}
