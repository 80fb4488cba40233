/**
 * The end state, read straight from the shared storage after healing: every INBOX file (its chaos
 * id, whether it is complete, its flags, its UID from dovecot-uidlist) and the spools.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseUidList, UIDLIST_FILE } from '../../src/storage/maildir/uidlist.ts';
import { BODY_END, ID_HEADER, type AccountState, type StoredMessage } from './history.ts';

export function accountDir(root: string, account: string): string {
  const [local, domain] = account.split('@') as [string, string];
  return join(root, 'mail', domain, local);
}

export function readAccount(root: string, account: string): AccountState {
  const dir = accountDir(root, account);
  let uidList: AccountState['uidList'] = 'missing';
  const uidByBase = new Map<string, number>();
  const listPath = join(dir, UIDLIST_FILE);
  if (existsSync(listPath)) {
    try {
      const l = parseUidList(readFileSync(listPath, 'utf8'));
      uidList = { uidValidity: l.uidValidity, uids: l.entries.map((e) => e.uid) };
      for (const e of l.entries) uidByBase.set(e.base, e.uid);
    } catch {
      uidList = 'corrupt';
    }
  }
  const messages: StoredMessage[] = [];
  for (const sub of ['new', 'cur'] as const) {
    const p = join(dir, sub);
    if (!existsSync(p)) continue;
    for (const file of readdirSync(p)) {
      const text = readFileSync(join(p, file), 'latin1');
      const msgId = new RegExp(`^${ID_HEADER}: *(\\S+)`, 'mi').exec(text)?.[1];
      const complete = !!msgId && text.trimEnd().endsWith(`${BODY_END} ${msgId} --`);
      const base = file.split(':')[0]!;
      const flags = file.includes(':2,') ? file.slice(file.indexOf(':2,') + 3) : '';
      messages.push({ file, sub, msgId, complete, flags, uid: uidByBase.get(base) });
    }
  }
  return { account, messages, uidList };
}

/** Spool entries (envelopes) per node in queue/<node>/env. */
export function queueEntries(root: string): Record<string, number> {
  const q = join(root, 'queue');
  const out: Record<string, number> = {};
  if (!existsSync(q)) return out;
  for (const node of readdirSync(q)) {
    const env = join(q, node, 'env');
    out[node] = existsSync(env) ? readdirSync(env).filter((f) => f.endsWith('.json')).length : 0;
  }
  return out;
}

/** Waits until every spool is empty; the time it took, or undefined after `windowMs`. */
export async function waitQueuesEmpty(root: string, windowMs: number): Promise<{ ms: number | undefined; left: Record<string, number> }> {
  const start = Date.now();
  for (;;) {
    const left = queueEntries(root);
    if (Object.values(left).every((n) => n === 0)) return { ms: Date.now() - start, left };
    if (Date.now() - start > windowMs) return { ms: undefined, left };
    await new Promise((r) => setTimeout(r, 200));
  }
}
