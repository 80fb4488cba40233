/**
 * Checker 4: storage integrity. No partial message file in new/ or cur/ (each ends with the body
 * trailer the workload wrote and carries its id), every dovecot-uidlist parses and lists strictly
 * increasing UIDs, and every queue was empty within the drain window after healing.
 */
import { BODY_END, type FinalState, type Violation } from '../history.ts';

export const QUEUE_DRAIN_WINDOW_MS = 20_000;

export function checkStorage(f: FinalState): Violation[] {
  const out: Violation[] = [];
  for (const a of f.accounts) {
    for (const m of a.messages) {
      if (!m.complete) out.push({ checker: 'storage', account: a.account, message: `partial file ${m.sub}/${m.file} (no "${BODY_END}")` });
      else if (!m.msgId) out.push({ checker: 'storage', account: a.account, message: `file ${m.sub}/${m.file} has no chaos id` });
    }
    if (a.uidList === 'corrupt') out.push({ checker: 'storage', account: a.account, message: 'dovecot-uidlist does not parse' });
    else if (a.uidList === 'missing') {
      if (a.messages.some((m) => m.sub === 'cur')) out.push({ checker: 'storage', account: a.account, message: 'messages in cur/ but no dovecot-uidlist' });
    } else {
      const uids = a.uidList.uids;
      for (let i = 1; i < uids.length; i++) if (!(uids[i]! > uids[i - 1]!)) out.push({ checker: 'storage', account: a.account, message: `dovecot-uidlist: UID ${uids[i]} after ${uids[i - 1]}` });
    }
  }
  for (const [node, n] of Object.entries(f.queueLeft)) {
    if (n > 0) out.push({ checker: 'storage', message: `queue of ${node} still holds ${n} entries ${QUEUE_DRAIN_WINDOW_MS / 1000} s after healing` });
  }
  return out;
}
