/**
 * AccountHolds' audit trail: the `servingUntil` it reports for a closed account is when the node
 * really stopped serving it, which a paused process learns only after it wakes.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { AccountHolds } from '../../../worker/holds.ts';
import { createLogger } from '../../../src/log/logger.ts';
import type { ClusterView, Grant } from '../../../src/cluster/view.ts';
import type { NodeSession } from '../../../src/cluster/session.ts';
import type { LockClient } from '../../../src/cluster/lock-client.ts';

class FakeView extends EventEmitter {
  readonly grants = new Map<string, Grant>();
  grant(account: string): Grant | undefined { return this.grants.get(account); }
}

class FakeSession extends EventEmitter {
  lease = '7';
  servingUntil = Date.now() + 60_000;
  isServing(): boolean { return Date.now() < this.servingUntil; }
}

function setup(): { holds: AccountHolds; view: FakeView; session: FakeSession; closed: number[] } {
  const view = new FakeView();
  const session = new FakeSession();
  const holds = new AccountHolds({
    view: view as unknown as ClusterView,
    session: session as unknown as NodeSession,
    locks: {} as LockClient,
    nodeName: 'mail-1',
    log: createLogger({ level: 'silent' }),
    idleReleaseMs: 0,
  });
  const closed: number[] = [];
  holds.on('closed', ({ servingUntil }) => closed.push(servingUntil));
  holds.start();
  return { holds, view, session, closed };
}

const grant: Grant = { account: 'a@example.test', holder: 'mail-1', token: '42', lease: '7', value: {} as Grant['value'] };

describe('AccountHolds', () => {
  it('a grant deleted while the node was paused past its window closes at the window, not at wake-up', async () => {
    const { holds, view, session, closed } = setup();
    view.grants.set(grant.account, grant);
    view.emit('granted', grant);
    await expect.poll(() => holds.isServing(grant.account)).toBe(true);

    // The process "slept": its window closed a while ago; the grant's deletion arrives first.
    session.servingUntil = Date.now() - 2_000;
    view.grants.delete(grant.account);
    view.emit('released', grant);
    expect(closed).toEqual([session.servingUntil]);
    expect(holds.size).toBe(0);
  });

  it('a release while serving closes at the moment of release', async () => {
    const { holds, view, closed } = setup();
    view.grants.set(grant.account, grant);
    view.emit('granted', grant);
    await expect.poll(() => holds.isServing(grant.account)).toBe(true);
    const before = Date.now();
    view.emit('released', grant);
    expect(closed).toHaveLength(1);
    expect(closed[0]).toBeGreaterThanOrEqual(before);
    expect(closed[0]).toBeLessThanOrEqual(Date.now());
  });
});
