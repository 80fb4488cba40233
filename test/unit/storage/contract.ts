/**
 * The AccountStore contract, run against every MailStore implementation (maildir and memory), so the
 * in-memory store protocol tests use behaves like the real one. Not a test file itself.
 */
import { describe, expect, it } from 'vitest';
import { parseAccount } from '../../../src/util/account.ts';
import type { AccountStore, MailStore, OpenAccountOptions } from '../../../src/storage/types.ts';

const msg = (s: string): Buffer => Buffer.from(`Subject: ${s}\r\n\r\nbody of ${s}\r\n`);
/** The `code` the promise rejects with ('resolved' if it does not reject). */
const code = (p: Promise<unknown>): Promise<unknown> => p.then(() => 'resolved', (e: { code?: unknown }) => e.code);
let n = 0;

export function storeContract(label: string, makeStore: () => MailStore): void {
  const open = async (o?: OpenAccountOptions): Promise<AccountStore> => makeStore().openAccount(parseAccount(`user${++n}@example.test`), o);

  describe(`${label}: AccountStore contract`, () => {
    it('appendMessages: consecutive UIDs, one modseq, each message with its flags and date', async () => {
      const a = await open();
      await a.appendMessage('INBOX', msg('before'));
      const date = new Date('2024-03-01T10:20:30Z');
      const r = await a.appendMessages('INBOX', [{ data: msg('m1'), flags: ['\\Seen'], internalDate: date }, { data: msg('m2') }, { data: msg('m3'), flags: ['$Work'] }]);
      expect(r.uids).toEqual([2, 3, 4]);
      expect(r.uidValidity).toBe((await a.status('INBOX')).uidValidity);
      const list = (await a.listMessages('INBOX')).slice(1);
      expect(list.map((m) => [m.uid, [...m.flags], m.size])).toEqual([[2, ['\\Seen'], msg('m1').length], [3, [], msg('m2').length], [4, ['$Work'], msg('m3').length]]);
      expect(list[0]!.internalDate.getTime()).toBe(date.getTime());
      expect(new Set(list.map((m) => m.modseq)).size).toBe(1);
      expect((await a.readMessage('INBOX', 4)).toString()).toBe(msg('m3').toString());
    });

    it('appendMessages is all or nothing: a bad flag or a refused commit stores none', async () => {
      const a = await open();
      await a.appendMessage('INBOX', msg('before'));
      const before = await a.status('INBOX');
      expect(await code(a.appendMessages('INBOX', [{ data: msg('ok') }, { data: msg('bad'), flags: ['\\Bogus'] }]))).toBe('BAD_FLAG');
      expect(await code(a.appendMessages('Nope', [{ data: msg('x') }]))).toBe('NO_SUCH_MAILBOX');
      let refuse = false;
      const b = await open({ beforeCommit: async () => { if (refuse) throw Object.assign(new Error('refused'), { code: 'NOT_SERVING' }); } });
      await b.appendMessage('INBOX', msg('before'));
      refuse = true;
      expect(await code(b.appendMessages('INBOX', [{ data: msg('x') }, { data: msg('y') }]))).toBe('NOT_SERVING');
      refuse = false;
      expect(await a.status('INBOX')).toEqual(before);
      expect((await b.listMessages('INBOX')).map((m) => m.uid)).toEqual([1]);
      expect((await b.appendMessages('INBOX', [{ data: msg('z') }])).uids).toEqual([2]);
    });

    it('has an INBOX; appends, lists and reads with ascending UIDs', async () => {
      const a = await open();
      expect(await a.listFolders()).toEqual(['INBOX']);
      const date = new Date('2024-03-01T10:20:30Z');
      const r1 = await a.appendMessage('INBOX', msg('one'), ['\\Seen'], date);
      const r2 = await a.appendMessage('inbox', msg('two'));
      expect([r1.uid, r2.uid]).toEqual([1, 2]);
      expect(r1.uidValidity).toBe(r2.uidValidity);
      const list = await a.listMessages('INBOX');
      expect(list.map((m) => [m.uid, [...m.flags], m.size, m.recent])).toEqual([
        [1, ['\\Seen'], msg('one').length, true],
        [2, [], msg('two').length, true],
      ]);
      expect(list[0]!.internalDate.getTime()).toBe(date.getTime());
      expect((await a.readMessage('INBOX', 2)).toString()).toBe(msg('two').toString());
      expect(await a.status('INBOX')).toMatchObject({ uidValidity: r1.uidValidity, uidNext: 3, messages: 2, unseen: 1, recent: 2 });
      expect(await code(a.readMessage('INBOX', 9))).toBe('NO_SUCH_MESSAGE');
    });

    it('changes flags (add, remove, replace), keeps keywords, ignores unknown UIDs', async () => {
      const a = await open();
      for (const s of ['a', 'b', 'c']) await a.appendMessage('INBOX', msg(s));
      expect(await a.setFlags('INBOX', [3, 1, 99], ['\\Seen', '$Junk'], 'add')).toMatchObject([
        { uid: 1, flags: new Set(['\\Seen', '$Junk']) },
        { uid: 3, flags: new Set(['\\Seen', '$Junk']) },
      ]);
      await a.setFlags('INBOX', [1], ['$junk'], 'remove');
      await a.setFlags('INBOX', [2], ['\\Answered', '\\Draft', '\\Recent'], 'replace');
      const flags = (await a.listMessages('INBOX')).map((m) => [...m.flags].sort());
      expect(flags).toEqual([['\\Seen'], ['\\Answered', '\\Draft'], ['$Junk', '\\Seen']]);
      expect(await code(a.setFlags('INBOX', [1], ['\\Bogus'], 'add'))).toBe('BAD_FLAG');
      expect((await a.status('INBOX')).unseen).toBe(1);
    });

    it('expunges \\Deleted messages, or exactly the UIDs given; UIDs are never reused', async () => {
      const a = await open();
      for (const s of ['a', 'b', 'c', 'd']) await a.appendMessage('INBOX', msg(s));
      await a.setFlags('INBOX', [2, 4], ['\\Deleted'], 'add');
      expect(await a.expunge('INBOX')).toEqual([2, 4]);
      expect(await a.expunge('INBOX', [3, 77])).toEqual([3]);
      expect(await a.expunge('INBOX')).toEqual([]);
      expect((await a.appendMessage('INBOX', msg('e'))).uid).toBe(5);
      expect((await a.listMessages('INBOX')).map((m) => m.uid)).toEqual([1, 5]);
    });

    it('copies and moves with a UID map, keeping flags and internal date', async () => {
      const a = await open();
      await a.createFolder('Archive');
      const date = new Date('2023-01-02T03:04:05Z');
      await a.appendMessage('INBOX', msg('a'), ['\\Flagged', 'Work'], date);
      await a.appendMessage('INBOX', msg('b'));
      await a.appendMessage('INBOX', msg('c'));
      const copied = await a.copyMessages('INBOX', [1, 3, 42], 'Archive');
      expect([...copied.uids]).toEqual([[1, 1], [3, 2]]);
      expect(copied.uidValidity).toBe((await a.status('Archive')).uidValidity);
      const arch = await a.listMessages('Archive');
      expect(arch.map((m) => [m.uid, [...m.flags].sort(), m.internalDate.getTime()])[0]).toEqual([1, ['Work', '\\Flagged'], date.getTime()]);
      expect((await a.readMessage('Archive', 2)).toString()).toContain('body of c');
      const moved = await a.moveMessages('INBOX', [2, 3], 'Archive');
      expect([...moved.uids]).toEqual([[2, 3], [3, 4]]);
      expect((await a.listMessages('INBOX')).map((m) => m.uid)).toEqual([1]);
      expect((await a.listMessages('Archive')).map((m) => m.uid)).toEqual([1, 2, 3, 4]);
      expect(await code(a.copyMessages('INBOX', [1], 'Nowhere'))).toBe('NO_SUCH_MAILBOX');
    });

    it('creates folders with their parents, refuses duplicates and bad names', async () => {
      const a = await open();
      await a.createFolder('Lists/Node/Security');
      await a.createFolder('Sent');
      expect(await a.listFolders()).toEqual(['INBOX', 'Lists', 'Lists/Node', 'Lists/Node/Security', 'Sent']);
      expect(await code(a.createFolder('Sent'))).toBe('MAILBOX_EXISTS');
      expect(await code(a.createFolder('inbox'))).toBe('MAILBOX_EXISTS');
      for (const bad of ['../etc', 'a.b', '.hidden', 'x\0y', 'a//b']) expect(await code(a.createFolder(bad))).toBe('BAD_MAILBOX_NAME');
      expect(await code(a.status('Nope'))).toBe('NO_SUCH_MAILBOX');
    });

    it('renames a folder with its children, keeping UIDVALIDITY and messages', async () => {
      const a = await open();
      await a.createFolder('Old/Child');
      await a.appendMessage('Old/Child', msg('kept'));
      const before = await a.status('Old/Child');
      await a.renameFolder('Old', 'New/Place');
      expect(await a.listFolders()).toEqual(['INBOX', 'New', 'New/Place', 'New/Place/Child']);
      expect(await a.status('New/Place/Child')).toMatchObject({ uidValidity: before.uidValidity, messages: 1 });
      expect(await code(a.renameFolder('New', 'New/Place/Deeper'))).toBe('CANNOT');
      expect(await code(a.renameFolder('New', 'INBOX'))).toBe('MAILBOX_EXISTS');
      expect(await code(a.renameFolder('Missing', 'X'))).toBe('NO_SUCH_MAILBOX');
    });

    it('renaming INBOX moves its messages and leaves it empty', async () => {
      const a = await open();
      await a.appendMessage('INBOX', msg('a'));
      await a.appendMessage('INBOX', msg('b'), ['\\Seen']);
      await a.renameFolder('INBOX', 'Old Mail');
      expect((await a.status('INBOX')).messages).toBe(0);
      expect((await a.listMessages('Old Mail')).map((m) => [m.uid, [...m.flags]])).toEqual([[1, []], [2, ['\\Seen']]]);
    });

    it('deletes a folder but not its children; a re-created folder gets a new UIDVALIDITY', async () => {
      const a = await open();
      await a.createFolder('Trash/Old');
      const old = (await a.status('Trash')).uidValidity;
      await a.deleteFolder('Trash');
      expect(await a.listFolders()).toEqual(['INBOX', 'Trash/Old']);
      await a.createFolder('Trash');
      expect((await a.status('Trash')).uidValidity).not.toBe(old);
      expect(await code(a.deleteFolder('INBOX'))).toBe('CANNOT');
      expect(await code(a.deleteFolder('Gone'))).toBe('NO_SUCH_MAILBOX');
    });

    it('runs beforeCommit before each commit; a refusal leaves nothing visible', async () => {
      let refuse = false;
      let calls = 0;
      const a = await open({ beforeCommit: async () => { calls++; if (refuse) throw new Error('fenced'); } });
      await a.appendMessage('INBOX', msg('a'));
      expect(calls).toBeGreaterThan(0);
      refuse = true;
      await expect(a.appendMessage('INBOX', msg('b'))).rejects.toThrow('fenced');
      await expect(a.setFlags('INBOX', [1], ['\\Seen'], 'add')).rejects.toThrow('fenced');
      await expect(a.createFolder('X')).rejects.toThrow('fenced');
      refuse = false;
      expect((await a.listMessages('INBOX')).map((m) => [m.uid, [...m.flags]])).toEqual([[1, []]]);
      expect(await a.listFolders()).toEqual(['INBOX']);
    });

    it('numbers every commit with a new modseq (RFC 7162 §3.1.1): appends, flag changes, expunges', async () => {
      const a = await open();
      const h0 = (await a.status('INBOX')).highestModseq;
      expect(h0).toBeGreaterThanOrEqual(1);
      for (const s of ['a', 'b', 'c']) await a.appendMessage('INBOX', msg(s));
      const listed = await a.listMessages('INBOX');
      const seqs = listed.map((m) => m.modseq);
      expect(seqs[0]).toBeGreaterThan(h0);
      expect(seqs[1]).toBeGreaterThan(seqs[0]!);
      expect(seqs[2]).toBeGreaterThan(seqs[1]!);
      expect((await a.status('INBOX')).highestModseq).toBe(seqs[2]);
      // one STORE: the changed messages share one new modseq; an unchanged one keeps its own
      await a.setFlags('INBOX', [1], ['\\Seen'], 'add');
      const before = (await a.listMessages('INBOX')).map((m) => m.modseq);
      const updated = await a.setFlags('INBOX', [1, 2, 3], ['\\Seen'], 'add');
      expect(updated[0]!.modseq).toBe(before[0]);
      expect(updated[1]!.modseq).toBe(updated[2]!.modseq);
      expect(updated[1]!.modseq).toBeGreaterThan(seqs[2]!);
      const h1 = (await a.status('INBOX')).highestModseq;
      expect(h1).toBe(updated[1]!.modseq);
      expect(await a.vanished('INBOX', h1)).toEqual([]);
      await a.expunge('INBOX', [2]);
      const h2 = (await a.status('INBOX')).highestModseq;
      expect(h2).toBeGreaterThan(h1);
      expect(await a.vanished('INBOX', h1)).toEqual([{ from: 2, to: 2 }]);
      expect(await a.vanished('INBOX', h2)).toEqual([]);
    });

    it('UNCHANGEDSINCE leaves messages changed after it alone and reports them modified (RFC 7162 §3.1.3)', async () => {
      const a = await open();
      for (const s of ['a', 'b']) await a.appendMessage('INBOX', msg(s));
      const [m1, m2] = await a.listMessages('INBOX');
      const result = await a.setFlags('INBOX', [1, 2], ['\\Flagged'], 'add', m1!.modseq);
      expect(result).toEqual([
        { uid: 1, flags: new Set(['\\Flagged']), modseq: expect.any(Number) },
        { uid: 2, flags: new Set(), modseq: m2!.modseq, modified: true },
      ]);
      expect(result[0]!.modseq).toBeGreaterThan(m2!.modseq);
      expect((await a.listMessages('INBOX')).map((m) => [...m.flags])).toEqual([['\\Flagged'], []]);
    });

    it('a move out of a folder counts as an expunge there, with its own modseq', async () => {
      const a = await open();
      await a.createFolder('Archive');
      for (const s of ['a', 'b']) await a.appendMessage('INBOX', msg(s));
      const h = (await a.status('INBOX')).highestModseq;
      await a.moveMessages('INBOX', [1], 'Archive');
      expect((await a.status('INBOX')).highestModseq).toBeGreaterThan(h);
      expect(await a.vanished('INBOX', h)).toEqual([{ from: 1, to: 1 }]);
      expect((await a.listMessages('Archive'))[0]!.modseq).toBeGreaterThanOrEqual(1);
    });

    it('refuses calls after close', async () => {
      const a = await open();
      await a.close();
      expect(await code(a.listFolders())).toBe('CLOSED');
    });
  });
}
