/**
 * LossClock dates a controller's loss from what the observing node saw, for each way a controller
 * goes: killed (its key outlives it by a TTL), etcd unreachable (nobody is in contact: the last
 * contact before the outage dates it), resigned (now), re-elected itself after an outage.
 */
import { describe, expect, it } from 'vitest';
import { LossClock } from '../../../controller/loss-clock.ts';

const TTL = 3000;
function clock() {
  let t = 0;
  const c = new LossClock(TTL, () => t);
  return { c, at: (ms: number) => (t = ms), contacts: (from: number, to: number) => { for (let x = from; x <= to; x += 500) { t = x; c.contact(x); } } };
}
const ctl = (node: string, lease: string) => ({ node, key: `election/${lease}`, lease });

describe('LossClock', () => {
  it('a killed controller: lost one TTL before its key vanished, not when it vanished', () => {
    const { c, at, contacts } = clock();
    expect(c.changed(ctl('mail-0', 'L0'), () => 'L0')).toBeUndefined();
    contacts(0, 13_000); // killed at 10 s; its key listed until its lease ran out at 13 s
    at(13_100);
    expect(c.changed(undefined, () => undefined)).toEqual({ node: 'mail-0', lostAt: 10_100 });
  });

  it('an etcd outage: lost at the last contact before it, however late etcd returns', () => {
    const { c, at, contacts } = clock();
    c.changed(ctl('mail-0', 'L0'), () => 'L0');
    contacts(0, 20_000); // etcd gone from 20 s to 33 s
    at(22_000);
    c.fenced(['election/L0']);
    at(33_500);
    c.registered();
    contacts(33_500, 34_500); // the dead candidacy is still listed (etcd extended its lease)
    at(34_600);
    const loss = c.changed(ctl('mail-1', 'L1'), (n) => (n === 'mail-0' ? 'L0b' : 'L1'));
    expect(loss).toEqual({ node: 'mail-0', lostAt: 20_000 }); // now − TTL would say 31.6 s: a 3 s gap for a 14.6 s one
    // the new controller's own contacts count from now on
    contacts(35_000, 36_000);
    at(40_000);
    expect(c.changed(undefined, () => undefined)).toEqual({ node: 'mail-1', lostAt: 36_000 });
  });

  it('a resignation (its registration unchanged) is lost now; the same key again is no change', () => {
    const { c, at, contacts } = clock();
    c.changed(ctl('mail-0', 'L0'), () => 'L0');
    contacts(0, 5000);
    at(5200);
    expect(c.changed(ctl('mail-0', 'L0'), () => 'L0')).toBeUndefined();
    expect(c.changed(ctl('mail-1', 'L1'), () => 'L0')).toEqual({ node: 'mail-0', lostAt: 5200 });
  });

  it('the same node re-elected with a new lease after an outage is a loss of its old candidacy', () => {
    const { c, at, contacts } = clock();
    c.changed(ctl('mail-0', 'L0'), () => 'L0');
    contacts(0, 8000);
    c.fenced(['election/L0']);
    at(20_000);
    c.registered();
    expect(c.changed(ctl('mail-0', 'L9'), () => 'L9')).toEqual({ node: 'mail-0', lostAt: 8000 });
  });

  it('a candidacy first seen after our fence counts, even when seen before we registered again', () => {
    const { c, at, contacts } = clock();
    c.changed(ctl('mail-0', 'L0'), () => 'L0');
    contacts(0, 4000);
    c.fenced(['election/L0']);
    at(15_000);
    c.changed(ctl('mail-1', 'L1'), () => 'L1'); // etcd back: the view reloads before our registration
    c.registered();
    contacts(15_500, 30_000); // mail-1 killed at 30 s
    at(33_000);
    expect(c.changed(undefined, () => undefined)).toEqual({ node: 'mail-1', lostAt: 30_000 });
  });

  it('a ghost candidacy elected after an outage and then gone carries the real loss on', () => {
    const { c, at, contacts } = clock();
    c.changed(ctl('mail-1', 'L1'), () => 'L1');
    contacts(0, 20_000); // etcd gone at 20 s
    c.fenced(['election/L1', 'election/L2']);
    at(40_000);
    expect(c.changed(ctl('mail-2', 'L2'), () => undefined)).toEqual({ node: 'mail-1', lostAt: 20_000 });
    c.registered();
    contacts(40_000, 41_000);
    at(41_100); // mail-2 registers again and revokes its old lease: its stale key goes
    expect(c.changed(ctl('mail-1', 'L5'), () => 'L5')).toEqual({ node: 'mail-1', lostAt: 20_000 });
  });
});
