/**
 * Modseqs on disk (src/storage/maildir/modseq-file.ts): the format, table-tested; and that a new
 * holder (a fresh MaildirStore on the same directory: a restart, a failover, a move) serves the
 * same modseqs and HIGHESTMODSEQ, never lower, including after changes made behind its back.
 */
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeRuns, HIGH_FILE, MODSEQ_FILE, writeHighFile, parseModseqFile, runCursor, serializeModseqFile, type ModseqFile } from '../../../src/storage/maildir/modseq-file.ts';
import { MaildirStore } from '../../../src/storage/maildir/store.ts';
import { parseAccount, type AccountName } from '../../../src/util/account.ts';
import { writeFence } from '../../../src/storage/fence.ts';

const root = mkdtempSync(join(tmpdir(), 'mailcluster-modseq-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const msg = (s: string): Buffer => Buffer.from(`Subject: ${s}\r\n\r\nbody of ${s}\r\n`);
let n = 0;
const fresh = (): AccountName => parseAccount(`modseq${++n}@example.test`);
const modseqs = async (a: { listMessages(f: string): Promise<Array<{ uid: number; modseq: number }>> }): Promise<Array<[number, number]>> =>
  (await a.listMessages('INBOX')).map((m) => [m.uid, m.modseq]);

describe('mailcluster-modseq format', () => {
  it.each([
    ['deliveries one by one', [[1, 5], [2, 6], [3, 7]], 'M 1:3 5+'],
    ['one STORE over all', [[1, 9], [2, 9], [5, 9]], 'M 1:5 9'],
    ['a single message', [[4, 2]], 'M 4 2'],
    ['mixed', [[1, 3], [2, 4], [3, 9], [4, 9], [7, 2]], 'M 1:2 3+\nM 3:4 9\nM 7 2'],
  ] as Array<[string, Array<[number, number]>, string]>)('encodes %s as runs', (_label, pairs, lines) => {
    const runs = encodeRuns(pairs.map(([uid, modseq]) => ({ uid, modseq })));
    const file: ModseqFile = { uidValidity: 7, highest: 9, floor: 0, runs, tombstones: [] };
    const text = serializeModseqFile(file);
    expect(text).toBe(`mailcluster-modseq 1 V7 H9 F0\n${lines}\n`);
    const back = parseModseqFile(text)!;
    const at = runCursor(back.runs);
    expect(pairs.map(([uid]) => [uid, at(uid)])).toEqual(pairs);
  });

  it('keeps tombstones and the floor', () => {
    const text = 'mailcluster-modseq 1 V7 H12 F3\nM 1 4\nX 2:5 11\nX 9 12\n';
    expect(parseModseqFile(text)).toEqual({ uidValidity: 7, highest: 12, floor: 3, runs: [{ from: 1, to: 1, modseq: 4, inc: false }], tombstones: [{ from: 2, to: 5, modseq: 11 }, { from: 9, to: 9, modseq: 12 }] });
    expect(serializeModseqFile(parseModseqFile(text)!)).toBe(text);
  });

  it.each([
    ['a torn last line', 'mailcluster-modseq 1 V7 H9 F0\nM 1 9'],
    ['another version', 'mailcluster-modseq 2 V7 H9 F0\n'],
    ['a modseq above the highest', 'mailcluster-modseq 1 V7 H9 F0\nM 1 10\n'],
    ['an increasing run past the highest', 'mailcluster-modseq 1 V7 H9 F0\nM 1:5 8+\n'],
    ['UIDs out of order', 'mailcluster-modseq 1 V7 H9 F0\nM 5 1\nM 2 1\n'],
    ['a zero modseq', 'mailcluster-modseq 1 V7 H9 F0\nM 1 0\n'],
    ['a reversed range', 'mailcluster-modseq 1 V7 H9 F0\nX 5:2 3\n'],
    ['garbage', 'hello\n'],
  ])('refuses %s', (_label, text) => {
    expect(parseModseqFile(text)).toBeUndefined();
  });
});

describe('modseqs survive a new holder', () => {
  it('a fresh store on the same maildir serves the same modseqs, HIGHESTMODSEQ and tombstones', async () => {
    const name = fresh();
    const a = await new MaildirStore({ root }).openAccount(name);
    for (const s of ['a', 'b', 'c', 'd']) await a.appendMessage('INBOX', msg(s));
    await a.setFlags('INBOX', [2], ['\\Seen'], 'add');
    const h1 = (await a.status('INBOX')).highestModseq;
    await a.expunge('INBOX', [3]);
    const before = await modseqs(a);
    const status = await a.status('INBOX');
    // the holder dies without closing; another node opens the account
    const b = await new MaildirStore({ root }).openAccount(name);
    expect(await modseqs(b)).toEqual(before);
    expect((await b.status('INBOX')).highestModseq).toBe(status.highestModseq);
    expect(await b.vanished('INBOX', h1)).toEqual([{ from: 3, to: 3 }]);
    // and numbering goes on above what the old holder handed out
    await b.setFlags('INBOX', [1], ['\\Flagged'], 'add');
    expect((await b.status('INBOX')).highestModseq).toBe(status.highestModseq + 1);
  });

  it('the modseq of a flag change is on disk before the file is renamed', async () => {
    const name = fresh();
    const store = new MaildirStore({ root });
    const a = await store.openAccount(name);
    await a.appendMessage('INBOX', msg('a'));
    const [u] = await a.setFlags('INBOX', [1], ['\\Seen'], 'add');
    const onDisk = parseModseqFile(readFileSync(join(store.accountDir(name), MODSEQ_FILE), 'utf8'))!;
    expect(onDisk.highest).toBe(u!.modseq);
    expect(runCursor(onDisk.runs)(1)).toBe(u!.modseq);
  });

  it('changes made behind the store\'s back (another MDA, Dovecot) get new modseqs on the next sync', async () => {
    const name = fresh();
    const store = new MaildirStore({ root });
    const a = await store.openAccount(name);
    for (const s of ['a', 'b']) await a.appendMessage('INBOX', msg(s));
    const h = (await a.status('INBOX')).highestModseq;
    const cur = join(store.accountDir(name), 'cur');
    const [first, second] = readdirSync(cur).sort();
    const b = await new MaildirStore({ root }).openAccount(name); // a new holder
    await b.listMessages('INBOX');
    renameSync(join(cur, first!), join(cur, first!.replace(/:2,.*$/, ':2,S')));
    unlinkSync(join(cur, second!));
    const after = await b.listMessages('INBOX');
    expect(after).toHaveLength(1);
    expect([...after[0]!.flags]).toEqual(['\\Seen']);
    expect(after[0]!.modseq).toBeGreaterThan(h);
    expect((await b.vanished('INBOX', h)).length).toBe(1);
    expect((await b.status('INBOX')).highestModseq).toBeGreaterThan(h);
  });

  it('a maildir without the file (Dovecot\'s, or from before) starts at modseq 1 and goes up', async () => {
    const name = fresh();
    const store = new MaildirStore({ root });
    const a = await store.openAccount(name);
    for (const s of ['a', 'b']) await a.appendMessage('INBOX', msg(s));
    unlinkSync(join(store.accountDir(name), MODSEQ_FILE));
    unlinkSync(join(store.accountDir(name), HIGH_FILE));
    const b = await new MaildirStore({ root }).openAccount(name);
    expect(await modseqs(b)).toEqual([[1, 1], [2, 1]]);
    expect((await b.status('INBOX')).highestModseq).toBe(1);
    await b.appendMessage('INBOX', msg('c'));
    expect((await modseqs(b))[2]).toEqual([3, 2]);
  });

  it('a corrupt file never sends modseqs back: the highest restarts above the old one', async () => {
    const name = fresh();
    const store = new MaildirStore({ root });
    const a = await store.openAccount(name);
    await a.appendMessage('INBOX', msg('a'));
    const h = (await a.status('INBOX')).highestModseq;
    writeFileSync(join(store.accountDir(name), MODSEQ_FILE), 'mailcluster-modseq 1 V1 H'); // torn
    const b = await new MaildirStore({ root }).openAccount(name);
    expect((await b.status('INBOX')).highestModseq).toBeGreaterThan(h);
    expect((await b.listMessages('INBOX'))[0]!.modseq).toBeGreaterThan(h);
  });

  it('modseqs numbered while the disk was full (only the in-place mark written) are never handed out again', async () => {
    const name = fresh();
    const store = new MaildirStore({ root });
    const dir = store.accountDir(name);
    const a = await store.openAccount(name);
    for (const s of ['a', 'b']) await a.appendMessage('INBOX', msg(s));
    const h = (await a.status('INBOX')).highestModseq;
    // what a holder does when rewriting the file fails with ENOSPC: the mark goes up in place
    await writeHighFile(dir, h + 5);
    const b = await new MaildirStore({ root }).openAccount(name);
    const after = await modseqs(b);
    expect(after.every(([, m]) => m > h + 5)).toBe(true); // every message changed, as far as a client can tell
    expect((await b.status('INBOX')).highestModseq).toBe(h + 6);
  });

  it('a fenced holder changes no modseq on disk', async () => {
    const name = fresh();
    const store = new MaildirStore({ root });
    const dir = store.accountDir(name);
    await writeFence(dir, 5n);
    const a = await store.openAccount(name, { fenceToken: 5n });
    await a.appendMessage('INBOX', msg('a'));
    const text = readFileSync(join(dir, MODSEQ_FILE), 'utf8');
    await writeFence(dir, 6n);
    await expect(a.setFlags('INBOX', [1], ['\\Seen'], 'add')).rejects.toThrow();
    await expect(a.expunge('INBOX', [1])).rejects.toThrow();
    expect(readFileSync(join(dir, MODSEQ_FILE), 'utf8')).toBe(text);
  });
});
