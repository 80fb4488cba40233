/**
 * Checker 1: every acknowledged message (250 to SMTP, OK to APPEND) is present exactly once at the
 * end — unless a delete of it (EXPUNGE, POP3 DELE) was acknowledged or may have happened, then at
 * most once. No message is present twice, in the wrong account, or without an operation that sent it.
 */
import type { History, Violation } from '../history.ts';

export function checkMessages(h: History): Violation[] {
  const out: Violation[] = [];
  const found = new Map<string, string[]>(); // msgId → accounts it is in (one entry per copy)
  for (const a of h.final.accounts) {
    for (const m of a.messages) {
      if (!m.msgId) continue;
      found.set(m.msgId, [...(found.get(m.msgId) ?? []), a.account]);
    }
  }
  const deletes = new Map<string, string[]>(); // msgId → results of deletes of it
  for (const op of h.ops) {
    if ((op.kind === 'expunge' || op.kind === 'pop3-dele') && op.msgId) deletes.set(op.msgId, [...(deletes.get(op.msgId) ?? []), op.result]);
  }
  const created = new Set<string>();
  for (const op of h.ops) {
    if ((op.kind !== 'smtp' && op.kind !== 'append') || !op.msgId) continue;
    created.add(op.msgId);
    const copies = found.get(op.msgId) ?? [];
    const mayBeDeleted = (deletes.get(op.msgId) ?? []).some((r) => r !== 'fail');
    const where = `${op.kind} #${op.seq} via ${op.node}`;
    if (copies.length > 1) out.push({ checker: 'messages', account: op.account, message: `duplicate: ${op.msgId} (${where}, ${op.result}) stored ${copies.length} times` });
    if (copies.some((acc) => acc !== op.account)) out.push({ checker: 'messages', account: op.account, message: `misdelivered: ${op.msgId} for ${op.account} found in ${copies.filter((acc) => acc !== op.account).join(', ')}` });
    if (op.result === 'ok' && copies.length === 0 && !mayBeDeleted) out.push({ checker: 'messages', account: op.account, message: `lost: ${op.msgId} acknowledged (${where}) but not stored` });
  }
  for (const [id, accs] of found) {
    if (!created.has(id)) out.push({ checker: 'messages', account: accs[0], message: `phantom: ${id} stored but never sent` });
  }
  return out;
}
