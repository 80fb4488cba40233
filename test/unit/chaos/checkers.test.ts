/**
 * The chaos checkers can fail: each is fed a history with one planted violation (a duplicate, a
 * lost acknowledgement, overlapping serving, a fencing token going back, a UID going back, …)
 * and must report it, while the clean history passes.
 */
import { describe, expect, it } from 'vitest';
import { check } from '../../chaos/chaos.ts';
import { servingIntervals } from '../../chaos/checkers/serving.ts';
import type { History, Op, StoredMessage } from '../../chaos/history.ts';

const A = 'hot0@chaos.test';
const B = 'cold0@chaos.test';

function op(o: Partial<Op> & Pick<Op, 'seq' | 'kind' | 'msgId'>): Op {
  return { account: A, node: 'mail-0', start: o.seq * 100, end: o.seq * 100 + 50, result: 'ok', ...o };
}
function msg(msgId: string, uid: number | undefined, flags = ''): StoredMessage {
  return { file: `${msgId}.file${flags ? ':2,' + flags : ''}`, sub: 'cur', msgId, complete: true, flags, uid };
}

/** A consistent history: 3 messages, one flagged, one expunged; two holders one after the other. */
function clean(): History {
  return {
    ops: [
      op({ seq: 1, kind: 'smtp', msgId: 'm1' }),
      op({ seq: 2, kind: 'append', msgId: 'm2', uid: 2, uidValidity: 7 }),
      op({ seq: 3, kind: 'append', msgId: 'm3', uid: 3, uidValidity: 7 }),
      op({ seq: 4, kind: 'store', msgId: 'm2', uid: 2, flag: '\\Flagged', uidValidity: 7, highestModseq: '5' }),
      op({ seq: 5, kind: 'expunge', msgId: 'm3', uid: 3, uidValidity: 7, highestModseq: '6' }),
      op({ seq: 6, kind: 'smtp', msgId: 'm4', account: B }),
      op({ seq: 7, kind: 'pop3-dele', msgId: 'm4', account: B }),
      op({ seq: 8, kind: 'smtp', msgId: 'm5', result: 'unknown' }),
    ],
    nemesis: [],
    intervals: [
      { node: 'mail-0', account: A, token: '10', from: 0, until: 400 },
      { node: 'mail-1', account: A, token: '15', from: 450, until: Number.POSITIVE_INFINITY },
    ],
    final: {
      accounts: [
        { account: A, messages: [msg('m1', 1), msg('m2', 2, 'F')], uidList: { uidValidity: 7, uids: [1, 2] } },
        { account: B, messages: [], uidList: 'missing' },
      ],
      queueLeft: { 'mail-0': 0 },
      queueDrainMs: 10,
    },
  };
}

const plant = (f: (h: History) => void): string[] => {
  const h = clean();
  f(h);
  return check(h).map((v) => `${v.checker}: ${v.message}`);
};
const accountA = (h: History) => h.final.accounts[0]!;

describe('chaos checkers', () => {
  it('pass a consistent history', () => {
    expect(check(clean())).toEqual([]);
  });

  it('report a duplicate message', () => {
    expect(plant((h) => accountA(h).messages.push(msg('m1', 3)))).toContainEqual(expect.stringMatching(/^messages: duplicate: m1 .* stored 2 times/));
  });

  it('report a lost acknowledged message, but not a lost unacknowledged one', () => {
    expect(plant((h) => accountA(h).messages.splice(0, 1))).toContainEqual(expect.stringMatching(/^messages: lost: m1 acknowledged/));
    expect(plant((h) => {
      accountA(h).messages.splice(0, 1);
      h.ops[0]!.result = 'unknown';
    })).toEqual([]);
  });

  it('report a message in the wrong account and one nobody sent', () => {
    expect(plant((h) => h.final.accounts[1]!.messages.push(msg('m2', undefined)))).toContainEqual(expect.stringMatching(/^messages: misdelivered: m2/));
    expect(plant((h) => accountA(h).messages.push(msg('zz', undefined)))).toContainEqual(expect.stringMatching(/^messages: phantom: zz/));
  });

  it('report overlapping serving intervals and a fencing token that did not increase', () => {
    expect(plant((h) => (h.intervals[0]!.until = 500))).toContainEqual(expect.stringMatching(/^serving: overlap: mail-0 \(token 10\)/));
    expect(plant((h) => (h.intervals[1]!.token = '9'))).toContainEqual(expect.stringMatching(/^serving: fencing token did not increase: mail-0 10 then mail-1 9/));
  });

  it('end a killed node\'s intervals at its process exit, and only there', () => {
    const logs = [
      { msg: 'account opened', time: 100, account: A, token: '10' },
      { msg: 'process exited', time: 300 },
      { msg: 'account opened', time: 900, account: A, token: '20' },
      { msg: 'account closed', time: 1000, account: A, token: '20', servingUntil: 950 },
    ];
    expect(servingIntervals('mail-0', logs)).toEqual([
      { node: 'mail-0', account: A, token: '10', from: 100, until: 300 },
      { node: 'mail-0', account: A, token: '20', from: 900, until: 950 },
    ]);
    // without the exit line the first interval never ends: another holder overlaps it
    const open = servingIntervals('mail-0', logs.slice(0, 1));
    expect(plant((h) => (h.intervals = [...open, { node: 'mail-1', account: A, token: '15', from: 450, until: 500 }]))).toContainEqual(expect.stringMatching(/^serving: overlap/));
  });

  it('report a UID going back, a UID that changed, and a changed UIDVALIDITY', () => {
    expect(plant((h) => (h.ops[2]!.uid = 1))).toContainEqual(expect.stringMatching(/^mailbox: UID went back: APPEND #2 got 2, the later APPEND #3 got 1/));
    expect(plant((h) => (accountA(h).messages[1]!.uid = 9))).toContainEqual(expect.stringMatching(/^mailbox: UID changed: m2 had UID 2/));
    expect(plant((h) => (h.ops[3]!.uidValidity = 8))).toContainEqual(expect.stringMatching(/^mailbox: UIDVALIDITY changed: 7, 8/));
  });

  it('report HIGHESTMODSEQ going back', () => {
    expect(plant((h) => (h.ops[4]!.highestModseq = '4'))).toContainEqual(expect.stringMatching(/^mailbox: HIGHESTMODSEQ went back to 4/));
  });

  it('report an acknowledged flag change or expunge that did not persist', () => {
    expect(plant((h) => (accountA(h).messages[1]!.flags = ''))).toContainEqual(expect.stringMatching(/^mailbox: STORE #4 \+\\Flagged on m2 acknowledged/));
    expect(plant((h) => accountA(h).messages.push(msg('m3', 3)))).toContainEqual(expect.stringMatching(/^mailbox: expunge #5 of m3 acknowledged, but the message is still there/));
    expect(plant((h) => h.final.accounts[1]!.messages.push(msg('m4', undefined)))).toContainEqual(expect.stringMatching(/^mailbox: pop3-dele #7 of m4 acknowledged/));
  });

  it('report a partial file, a corrupt or unordered UID list, and a queue that did not drain', () => {
    expect(plant((h) => (accountA(h).messages[0]!.complete = false))).toContainEqual(expect.stringMatching(/^storage: partial file cur\/m1/));
    expect(plant((h) => (accountA(h).uidList = 'corrupt'))).toContainEqual('storage: dovecot-uidlist does not parse');
    expect(plant((h) => (accountA(h).uidList = { uidValidity: 7, uids: [2, 2] }))).toContainEqual('storage: dovecot-uidlist: UID 2 after 2');
    expect(plant((h) => (h.final.queueLeft['mail-0'] = 3))).toContainEqual(expect.stringMatching(/^storage: queue of mail-0 still holds 3 entries 20 s after healing/));
  });
});
