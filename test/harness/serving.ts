/**
 * Serving intervals reconstructed from node logs (`account opened` / `account closed`): for one
 * account, the intervals of different nodes must never overlap.
 */
import type { NodeProcess } from '../../src/devcluster/node-process.ts';

export interface Interval { node: string; account: string; token: string; from: number; until: number }

export function servingIntervals(nodes: readonly NodeProcess[]): Interval[] {
  const out: Interval[] = [];
  for (const n of nodes) {
    const open = new Map<string, Interval>();
    for (const l of n.logs) {
      const account = l.account as string | undefined;
      if (!account) continue;
      if (l.msg === 'account opened') {
        const iv: Interval = { node: n.name, account, token: String(l.token), from: l.time, until: Number.POSITIVE_INFINITY };
        open.set(account, iv);
        out.push(iv);
      } else if (l.msg === 'account closed') {
        const iv = open.get(account);
        if (iv && iv.token === String(l.token)) iv.until = Number(l.servingUntil);
        open.delete(account);
      }
    }
  }
  return out;
}

/** Pairs of intervals of one account on different nodes that overlap in time. */
export function overlaps(intervals: readonly Interval[]): Array<[Interval, Interval]> {
  const bad: Array<[Interval, Interval]> = [];
  for (const a of intervals) {
    for (const b of intervals) {
      if (a === b || a.account !== b.account || a.node === b.node || a.from > b.from) continue;
      if (b.from < a.until) bad.push([a, b]);
    }
  }
  return bad;
}
