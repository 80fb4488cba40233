/**
 * The lock table, exhaustively: every combination of roles, drain flags and loads for up to three
 * nodes, every requester, with and without a current grant, checked against the rules of design §4.2.
 */
import { describe, expect, it } from 'vitest';
import { decideOpen, decideRelease, mayHold, place, type NodeInfo } from '../../../controller/lock-table.ts';
import { ROLES } from '../../../src/config/schema.ts';

function* nodeSets(): Generator<NodeInfo[]> {
  const names = ['mail-0', 'mail-1', 'mail-2'];
  const variants: Array<Omit<NodeInfo, 'name'>> = [];
  for (const role of ROLES) for (const draining of [false, true]) for (const load of [0, 1, 2]) variants.push({ role, draining, load });
  for (let count = 0; count <= 3; count++) {
    const pick = (i: number, acc: NodeInfo[]): NodeInfo[][] =>
      i === count ? [acc] : variants.flatMap((v) => pick(i + 1, [...acc, { name: names[i]!, ...v }]));
    yield* pick(0, []);
  }
}

describe('placement', () => {
  it('follows the rules for every node set, requester and limit', () => {
    let cases = 0;
    for (const nodes of nodeSets()) {
      for (const requester of ['mail-0', 'mail-1', 'mail-2', 'mail-9']) {
        for (const limit of [0, 2]) {
          cases++;
          const chosen = place(requester, nodes, limit);
          // every controller decides the same way, whatever order its view lists the nodes in
          expect(place(requester, [...nodes].reverse(), limit)).toBe(chosen);
          const eligible = nodes.filter((n) => mayHold(n, limit));
          const self = nodes.find((n) => n.name === requester);
          if (eligible.length === 0) {
            expect(chosen).toBeUndefined();
            continue;
          }
          const holder = nodes.find((n) => n.name === chosen)!;
          // Never a frontend, a draining node, or a node at its limit.
          expect(holder.role).not.toBe('frontend');
          expect(holder.draining).toBe(false);
          if (limit) expect(holder.load).toBeLessThan(limit);
          if (self && mayHold(self, limit)) {
            expect(chosen).toBe(requester);
          } else {
            const minLoad = Math.min(...eligible.map((n) => n.load));
            expect(holder.load).toBe(minLoad);
            expect(chosen).toBe(eligible.filter((n) => n.load === minLoad).map((n) => n.name).sort()[0]);
          }
        }
      }
    }
    expect(cases).toBeGreaterThan(45_000);
  });

  it('never grants from a node set without an eligible holder', () => {
    const nodes: NodeInfo[] = [
      { name: 'fe-0', role: 'frontend', draining: false, load: 0 },
      { name: 'mail-1', role: 'backend', draining: true, load: 0 },
    ];
    expect(decideOpen({ requester: 'fe-0', current: undefined, nodes, maxAccountsPerNode: 0 })).toEqual({ kind: 'refuse', code: 'NO_ELIGIBLE_NODE', retryable: true });
  });
});

describe('decideOpen', () => {
  const nodes: NodeInfo[] = [
    { name: 'mail-0', role: 'symmetric', draining: false, load: 3 },
    { name: 'mail-1', role: 'backend', draining: false, load: 1 },
    { name: 'fe-0', role: 'frontend', draining: false, load: 0 },
  ];
  it('returns an existing grant whose holder is registered, whoever asks', () => {
    for (const requester of ['mail-0', 'mail-1', 'fe-0']) {
      expect(decideOpen({ requester, current: { holder: 'mail-0', token: '42' }, nodes, maxAccountsPerNode: 0 })).toEqual({ kind: 'existing', holder: 'mail-0', token: '42' });
    }
  });
  it('refuses, retryably, while a grant names a holder that is gone', () => {
    expect(decideOpen({ requester: 'mail-1', current: { holder: 'mail-7', token: '5' }, nodes, maxAccountsPerNode: 0 })).toEqual({ kind: 'refuse', code: 'HOLDER_GONE', retryable: true });
  });
  it('grants to the requester, or to the least-loaded backend for a frontend', () => {
    expect(decideOpen({ requester: 'mail-0', current: undefined, nodes, maxAccountsPerNode: 0 })).toEqual({ kind: 'grant', holder: 'mail-0' });
    expect(decideOpen({ requester: 'fe-0', current: undefined, nodes, maxAccountsPerNode: 0 })).toEqual({ kind: 'grant', holder: 'mail-1' });
    expect(decideOpen({ requester: 'mail-0', current: undefined, nodes, maxAccountsPerNode: 3 })).toEqual({ kind: 'grant', holder: 'mail-1' });
  });
});

describe('decideRelease', () => {
  it('deletes only the grant with the given token', () => {
    expect(decideRelease(undefined, '5')).toEqual({ kind: 'already-gone' });
    expect(decideRelease({ holder: 'mail-0', token: '5' }, '5')).toEqual({ kind: 'delete' });
    expect(decideRelease({ holder: 'mail-0', token: '9' }, '5')).toEqual({ kind: 'stale-token', current: '9' });
  });
});
