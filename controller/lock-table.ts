/**
 * The pure lock table: what the controller decides for open and release requests, given the
 * cluster state it read. No I/O; the lock service turns decisions into guarded etcd transactions.
 *
 * Placement (design §4.2): the requester itself when it may hold accounts (not a frontend, not
 * draining, not at its account limit); otherwise the least-loaded node that may, ties broken by
 * name so that every controller decides the same way.
 */
import type { Role } from '../src/config/schema.ts';

export interface NodeInfo {
  name: string;
  role: Role;
  draining: boolean;
  /** Accounts currently held (counted from the open grants). */
  load: number;
}

export interface CurrentGrant { holder: string; token: string }

export type OpenDecision =
  | { kind: 'existing'; holder: string; token: string }
  | { kind: 'grant'; holder: string }
  | { kind: 'refuse'; code: 'NO_ELIGIBLE_NODE' | 'HOLDER_GONE'; retryable: boolean };

export type ReleaseDecision = { kind: 'delete' } | { kind: 'already-gone' } | { kind: 'stale-token'; current: string };

export interface OpenInput {
  requester: string;
  current: CurrentGrant | undefined;
  nodes: readonly NodeInfo[];
  /** 0 means no limit. */
  maxAccountsPerNode: number;
}

export function mayHold(n: NodeInfo, maxAccountsPerNode: number): boolean {
  if (n.role === 'frontend' || n.draining) return false;
  return maxAccountsPerNode === 0 || n.load < maxAccountsPerNode;
}

export function place(requester: string, nodes: readonly NodeInfo[], maxAccountsPerNode: number): string | undefined {
  const self = nodes.find((n) => n.name === requester);
  if (self && mayHold(self, maxAccountsPerNode)) return self.name;
  let best: NodeInfo | undefined;
  for (const n of nodes) {
    if (!mayHold(n, maxAccountsPerNode)) continue;
    if (!best || n.load < best.load || (n.load === best.load && n.name < best.name)) best = n;
  }
  return best?.name;
}

export function decideOpen(input: OpenInput): OpenDecision {
  const { current, nodes } = input;
  if (current) {
    // A grant outlives its holder only by the watch delay: its key is bound to the holder's lease.
    if (nodes.some((n) => n.name === current.holder)) return { kind: 'existing', holder: current.holder, token: current.token };
    return { kind: 'refuse', code: 'HOLDER_GONE', retryable: true };
  }
  const holder = place(input.requester, nodes, input.maxAccountsPerNode);
  if (!holder) return { kind: 'refuse', code: 'NO_ELIGIBLE_NODE', retryable: true };
  return { kind: 'grant', holder };
}

export function decideRelease(current: CurrentGrant | undefined, token: string): ReleaseDecision {
  if (!current) return { kind: 'already-gone' };
  if (current.token !== token) return { kind: 'stale-token', current: current.token };
  return { kind: 'delete' };
}
