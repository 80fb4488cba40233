/**
 * Checker 3: the mailbox model. Per account: UIDVALIDITY is one value in every SELECT, APPENDUID
 * and the final dovecot-uidlist; UIDs strictly increase (an APPEND that finished before another
 * began got the smaller UID) and a message keeps its UID (APPENDUID, the UID a STORE or EXPUNGE
 * acted on, and the final list agree); HIGHESTMODSEQ never goes back between SELECTs that do not
 * overlap; every acknowledged flag change is in the final flags; every acknowledged expunge or
 * POP3 DELE left the message gone.
 */
import type { History, Op, Violation } from '../history.ts';

export function checkMailboxes(h: History): Violation[] {
  const out: Violation[] = [];
  const v = (account: string, message: string): void => void out.push({ checker: 'mailbox', account, message });
  const finalById = new Map<string, { account: string; uid: number | undefined; flags: string }>();
  for (const a of h.final.accounts) for (const m of a.messages) if (m.msgId) finalById.set(m.msgId, { account: a.account, uid: m.uid, flags: m.flags });

  const byAccount = new Map<string, Op[]>();
  for (const op of h.ops) byAccount.set(op.account, [...(byAccount.get(op.account) ?? []), op]);
  for (const a of h.final.accounts) {
    const ops = byAccount.get(a.account) ?? [];
    const validities = new Set(ops.filter((o) => o.uidValidity !== undefined).map((o) => o.uidValidity!));
    if (typeof a.uidList === 'object' && ops.some((o) => o.uidValidity !== undefined)) validities.add(a.uidList.uidValidity);
    if (validities.size > 1) v(a.account, `UIDVALIDITY changed: ${[...validities].join(', ')}`);

    const appends = ops.filter((o) => o.kind === 'append' && o.result === 'ok' && o.uid !== undefined).sort((x, y) => x.end - y.end);
    for (let i = 0; i < appends.length; i++) {
      for (let j = i + 1; j < appends.length; j++) {
        const x = appends[i]!, y = appends[j]!;
        if (x.end < y.start && !(x.uid! < y.uid!)) v(a.account, `UID went back: APPEND #${x.seq} got ${x.uid}, the later APPEND #${y.seq} got ${y.uid}`);
      }
    }
    for (const o of ops) {
      if (o.uid === undefined || !o.msgId || o.result === 'fail') continue;
      const f = finalById.get(o.msgId);
      if (f?.uid !== undefined && f.uid !== o.uid) v(a.account, `UID changed: ${o.msgId} had UID ${o.uid} (${o.kind} #${o.seq}), now ${f.uid}`);
    }
    const selects = ops.filter((o) => o.highestModseq !== undefined).sort((x, y) => x.end - y.end);
    for (let i = 1; i < selects.length; i++) {
      const prev = selects.slice(0, i).filter((p) => p.end < selects[i]!.start);
      const max = prev.reduce((m, p) => (BigInt(p.highestModseq!) > m ? BigInt(p.highestModseq!) : m), 0n);
      if (BigInt(selects[i]!.highestModseq!) < max) v(a.account, `HIGHESTMODSEQ went back to ${selects[i]!.highestModseq} (#${selects[i]!.seq}) after ${max}`);
    }
    for (const o of ops) {
      if (o.result !== 'ok' || !o.msgId) continue;
      const f = finalById.get(o.msgId);
      if ((o.kind === 'expunge' || o.kind === 'pop3-dele') && f) v(a.account, `${o.kind} #${o.seq} of ${o.msgId} acknowledged, but the message is still there`);
      if (o.kind === 'store' && f && o.flag && !f.flags.includes(maildirLetter(o.flag))) v(a.account, `STORE #${o.seq} +${o.flag} on ${o.msgId} acknowledged, final flags "${f.flags}"`);
    }
  }
  return out;
}

/** The Maildir info letter of a system flag. */
export function maildirLetter(flag: string): string {
  const letters: Record<string, string> = { '\\Flagged': 'F', '\\Seen': 'S', '\\Answered': 'R', '\\Draft': 'D', '\\Deleted': 'T' };
  return letters[flag] ?? '?';
}
