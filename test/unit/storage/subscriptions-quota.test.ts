/** Subscriptions and quota usage: the shared contract on both stores, Dovecot's file format, quota rules. */
import { mkdtempSync, readFileSync, rmSync, unlinkSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FencedError, writeFence } from '../../../src/storage/fence.ts';
import { MaildirStore } from '../../../src/storage/maildir/store.ts';
import { formatSubscriptions, parseSubscriptions } from '../../../src/storage/maildir/subscriptions.ts';
import { MemoryStore } from '../../../src/storage/memory/store.ts';
import { quotaExceeded, storageKiB } from '../../../src/storage/quota.ts';
import { parseAccount } from '../../../src/util/account.ts';
import { accountMetaContract } from './account-meta-contract.ts';

const root = mkdtempSync(join(tmpdir(), 'mailcluster-meta-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const store = new MaildirStore({ root });
const msg = (s: string): Buffer => Buffer.from(`Subject: ${s}\r\n\r\nbody of ${s}\r\n`);
let n = 0;
const fresh = () => parseAccount(`subs${++n}@example.test`);

accountMetaContract('maildir', () => store);
accountMetaContract('memory', () => new MemoryStore());

describe('maildir subscriptions file (Dovecot subscription-file.c format)', () => {
  it('is written as version 2: header, TAB between levels, modified UTF-7 levels', async () => {
    const account = fresh();
    const a = await store.openAccount(account);
    for (const name of ['Café', 'INBOX', 'Archive/2024']) await a.setSubscribed(name, true);
    expect(readFileSync(join(store.accountDir(account), 'subscriptions'), 'utf8')).toBe('V\t2\n\nINBOX\nArchive\t2024\nCaf&AOk-\n');
  });

  it('reads version 1 (Dovecot `.` or mailcluster `/`) and version 2, and keeps lines it cannot name', async () => {
    const account = fresh();
    const dir = store.accountDir(account);
    const a0 = await store.openAccount(account);
    await a0.close();
    writeFileSync(join(dir, 'subscriptions'), 'INBOX\nLists.Caf&AOk-\nWork/Reports\nbad*name\n');
    const a = await store.openAccount(account);
    expect(await a.listSubscriptions()).toEqual(['INBOX', 'Lists/Café', 'Work/Reports']);
    await a.setSubscribed('Work/Reports', false);
    expect(readFileSync(join(dir, 'subscriptions'), 'utf8')).toBe('V\t2\n\nINBOX\nLists\tCaf&AOk-\nbad*name\n');
  });

  it.each([
    ['empty file', '', [], []],
    ['v2 with escapes and an empty line', 'V\t2\n\nA\tB\n\nx\x01ty\n', ['A/B'], ['x\x01ty']],
    ['v2 plain UTF-8 level', 'V\t2\n\nCafé\n', ['Café'], []],
    ['v1 without final newline', 'INBOX\nSent', ['INBOX', 'Sent'], []],
  ])('parse: %s', (_name, text, names, foreign) => {
    const s = parseSubscriptions(text);
    expect([...s.names]).toEqual(names);
    expect(s.foreign).toEqual(foreign);
  });

  it('format ∘ parse keeps names and foreign lines', () => {
    const text = formatSubscriptions(['INBOX', 'A/B', 'Ünï/cødé'], ['x\x01ty']);
    const s = parseSubscriptions(text);
    expect([...s.names]).toEqual(['INBOX', 'A/B', 'Ünï/cødé']);
    expect(formatSubscriptions(s.names, s.foreign)).toBe(text);
  });

  it('a superseded holder cannot change subscriptions', async () => {
    const account = fresh();
    const dir = store.accountDir(account);
    await writeFence(dir, 3n);
    const a = await store.openAccount(account, { fenceToken: 3n });
    await a.setSubscribed('A', true);
    await writeFence(dir, 4n);
    await expect(a.setSubscribed('B', true)).rejects.toBeInstanceOf(FencedError);
    expect(readFileSync(join(dir, 'subscriptions'), 'utf8')).toBe('V\t2\n\nA\n');
  });
});

describe('maildir quota usage', () => {
  it('takes in mail delivered into new/ and files removed behind the store', async () => {
    const account = fresh();
    const dir = store.accountDir(account);
    const a = await store.openAccount(account);
    await a.appendMessage('INBOX', msg('mine'));
    expect(await a.quotaUsage()).toEqual({ bytes: msg('mine').length, messages: 1 });
    writeFileSync(join(dir, 'new', `1700000001.M1P1.mda,S=${msg('other').length}`), msg('other'));
    writeFileSync(join(dir, 'new', '1700000002.M2P1.mda'), msg('no size in name'));
    expect(await a.quotaUsage()).toEqual({ bytes: msg('mine').length + msg('other').length + msg('no size in name').length, messages: 3 });
    const victim = readdirSync(join(dir, 'cur')).find((f) => f.includes('M1P1'))!;
    unlinkSync(join(dir, 'cur', victim));
    expect(await a.quotaUsage()).toEqual({ bytes: msg('mine').length + msg('no size in name').length, messages: 2 });
  });
});

describe('quotaExceeded (RFC 9208)', () => {
  it.each([
    [{ bytes: 90, messages: 1 }, {}, { bytes: 1000, messages: 1 }, undefined],
    [{ bytes: 90, messages: 1 }, { bytes: 100 }, { bytes: 10, messages: 1 }, undefined], // exactly at the limit
    [{ bytes: 90, messages: 1 }, { bytes: 100 }, { bytes: 11, messages: 1 }, 'STORAGE'],
    [{ bytes: 90, messages: 2 }, { bytes: 0, messages: 2 }, { bytes: 1, messages: 1 }, 'MESSAGE'],
    [{ bytes: 200, messages: 1 }, { bytes: 100 }, undefined, 'STORAGE'], // already over
  ])('%j with limit %j adding %j → %s', (usage, limit, adding, want) => {
    expect(quotaExceeded(usage, limit, adding)).toBe(want);
  });

  it('STORAGE goes out in KiB, rounded up', () => {
    expect([storageKiB(0), storageKiB(1), storageKiB(1024), storageKiB(1025)]).toEqual([0, 1, 1, 2]);
  });
});
