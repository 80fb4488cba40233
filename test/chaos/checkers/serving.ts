/**
 * Checker 2: no account served by two nodes at once. Serving intervals come from each node's log
 * (`account opened` … `account closed` with servingUntil; a node that died ends its intervals at
 * the `process exited` line its parent wrote, an upper bound). For one account, intervals of
 * different nodes never overlap, and fencing tokens strictly increase in the order of opening.
 */
import type { Interval, Violation } from '../history.ts';

export interface ServingLogLine { msg: string; time: number; account?: unknown; token?: unknown; servingUntil?: unknown }

/** Intervals of one node from its log lines, in order (across restarts of the process). */
export function servingIntervals(node: string, logs: readonly ServingLogLine[]): Interval[] {
  const out: Interval[] = [];
  const open = new Map<string, Interval>();
  for (const l of logs) {
    if (l.msg === 'process exited') {
      for (const iv of open.values()) iv.until = l.time;
      open.clear();
      continue;
    }
    const account = typeof l.account === 'string' ? l.account : undefined;
    if (!account) continue;
    if (l.msg === 'account opened') {
      const iv: Interval = { node, account, token: String(l.token), from: l.time, until: Number.POSITIVE_INFINITY };
      open.set(account, iv);
      out.push(iv);
    } else if (l.msg === 'account closed') {
      const iv = open.get(account);
      if (iv && iv.token === String(l.token)) iv.until = Number(l.servingUntil ?? l.time);
      open.delete(account);
    }
  }
  return out;
}

export function checkServing(intervals: readonly Interval[]): Violation[] {
  const out: Violation[] = [];
  const byAccount = new Map<string, Interval[]>();
  for (const iv of intervals) byAccount.set(iv.account, [...(byAccount.get(iv.account) ?? []), iv]);
  for (const [account, ivs] of byAccount) {
    ivs.sort((a, b) => a.from - b.from);
    for (let i = 0; i < ivs.length; i++) {
      const a = ivs[i]!;
      for (let j = i + 1; j < ivs.length && ivs[j]!.from < a.until; j++) {
        const b = ivs[j]!;
        if (b.node !== a.node) out.push({ checker: 'serving', account, message: `overlap: ${a.node} (token ${a.token}) served until ${iso(a.until)}, ${b.node} (token ${b.token}) from ${iso(b.from)}` });
      }
      const next = ivs[i + 1];
      if (next && BigInt(next.token) <= BigInt(a.token)) out.push({ checker: 'serving', account, message: `fencing token did not increase: ${a.node} ${a.token} then ${next.node} ${next.token}` });
    }
  }
  return out;
}

function iso(t: number): string {
  return Number.isFinite(t) ? new Date(t).toISOString() : 'never closed';
}
