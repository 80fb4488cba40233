import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertFence, FencedError, writeFence } from '../../../src/storage/fence.ts';
import { MaildirStore } from '../../../src/storage/maildir/store.ts';
import type { AccountName } from '../../../src/util/account.ts';
import { parseAccount } from '../../../src/util/account.ts';
import { MaildirDelivery } from '../../../worker/delivery/maildir-delivery.ts';
import { storeContract } from './contract.ts';

const root = mkdtempSync(join(tmpdir(), 'mailcluster-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const store = new MaildirStore({ root });
const msg = (s: string): Buffer => Buffer.from(`Subject: ${s}\r\n\r\nbody of ${s}\r\n`);
let n = 0;
const fresh = (): AccountName => parseAccount(`disk${++n}@example.test`);
const uidlistLines = (dir: string): string[] => readFileSync(join(dir, 'dovecot-uidlist'), 'utf8').trimEnd().split('\n');
/** Every path under a directory, for "nothing was written elsewhere" checks. */
const tree = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();

storeContract('maildir', () => store);

describe('MaildirStore on disk', () => {
  it('lays out mail/<domain>/<local> with flags in file names and Dovecot\'s uidlist lines', async () => {
    const name = fresh();
    const a = await store.openAccount(name);
    const dir = store.accountDir(name);
    expect(dir).toBe(join(root, 'mail', 'example.test', name.local));
    await a.appendMessage('INBOX', msg('a'), ['\\Seen', '\\Answered', '\\Flagged']);
    await a.appendMessage('INBOX', msg('b'), ['\\Draft', '\\Deleted', '$Junk']);
    // File names start with a time-based unique part, so their order is not the append order.
    const files = readdirSync(join(dir, 'cur'));
    expect(files.map((f) => f.slice(f.indexOf(':'))).sort()).toEqual([':2,DTa', ':2,FRS']);
    expect(readFileSync(join(dir, 'dovecot-keywords'), 'utf8')).toBe('0 $Junk\n');
    const [header, ...lines] = uidlistLines(dir);
    expect(header).toMatch(new RegExp(`^3 V${(await a.status('INBOX')).uidValidity} N3 G[0-9a-f]{32}$`));
    expect(lines).toEqual(files.map((f, i) => `${i + 1} :${f.slice(0, f.indexOf(':'))}`));
    expect(files[0]).toMatch(new RegExp(`,S=${msg('a').length},W=${msg('a').length}:`)); // CRLF throughout: wire size = size
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
  });

  it('records the wire size (,W=) only for wire-clean messages, and readers get it without reading', async () => {
    const name = fresh();
    const a = await store.openAccount(name);
    const { uid: clean } = await a.appendMessage('INBOX', Buffer.from('Subject: clean\r\n\r\nbody\r\n'));
    const { uid: bare } = await a.appendMessage('INBOX', Buffer.from('Subject: bare LF\n\nbody\n'));
    const names = readdirSync(join(store.accountDir(name), 'cur'));
    expect(names.filter((f) => /,W=\d+:/.test(f))).toHaveLength(1);
    const info = new Map((await a.listMessages('INBOX')).map((m) => [m.uid, m]));
    expect(info.get(clean)!.wireSize).toBe(info.get(clean)!.size);
    expect(info.get(bare)!.wireSize).toBeUndefined();
    // A copy keeps it: the new name carries the source's ,W=.
    await a.createFolder('Kept');
    await a.copyMessages('INBOX', [clean], 'Kept');
    expect((await a.listMessages('Kept'))[0]!.wireSize).toBe(info.get(clean)!.size);
  });

  it('keeps UIDs, UIDVALIDITY and flags across re-opening, and renumbers nothing', async () => {
    const name = fresh();
    const a = await store.openAccount(name);
    for (const s of ['a', 'b', 'c']) await a.appendMessage('INBOX', msg(s));
    await a.setFlags('INBOX', [2], ['\\Seen', 'Later'], 'add');
    await a.expunge('INBOX', [1]);
    const before = await a.listMessages('INBOX');
    const status = await a.status('INBOX');
    await a.close();
    const b = await new MaildirStore({ root }).openAccount(name);
    expect((await b.listMessages('INBOX')).map((m) => ({ ...m, recent: false }))).toEqual(before.map((m) => ({ ...m, recent: false })));
    expect(await b.status('INBOX')).toEqual({ ...status, recent: 0 });
  });

  it('numbers files another MDA put in new/ (our delivery path, a foreign name) and moves them to cur/', async () => {
    const name = fresh();
    const a = await store.openAccount(name);
    const dir = store.accountDir(name);
    await a.appendMessage('INBOX', msg('first'));
    await new MaildirDelivery({ root }).deliver(name.address, '1', msg('delivered'));
    writeFileSync(join(dir, 'new', '1700000000.M1P1.elsewhere'), msg('foreign'));
    utimesSync(join(dir, 'new', '1700000000.M1P1.elsewhere'), 1_700_000_000, 1_700_000_000);
    const list = await a.listMessages('INBOX');
    expect(list.map((m) => [m.uid, m.recent])).toEqual([[1, true], [2, true], [3, true]]);
    expect(list[1]!.internalDate.getTime()).toBe(1_700_000_000_000); // the oldest name sorts first
    expect((await a.readMessage('INBOX', 3)).toString()).toContain('delivered');
    expect(readdirSync(join(dir, 'new'))).toEqual([]);
    expect(readdirSync(join(dir, 'cur'))).toContain('1700000000.M1P1.elsewhere:2,');
    expect(uidlistLines(dir).slice(1).map((l) => l.split(' :')[0])).toEqual(['1', '2', '3']);
  });

  it('forgets files removed behind its back and numbers unknown files found in cur/', async () => {
    const name = fresh();
    const a = await store.openAccount(name);
    const dir = store.accountDir(name);
    for (const s of ['a', 'b']) await a.appendMessage('INBOX', msg(s));
    const [first] = readdirSync(join(dir, 'cur')).sort();
    rmSync(join(dir, 'cur', first!));
    writeFileSync(join(dir, 'cur', '1700000001.M2P2.restore:2,S'), msg('restored'));
    expect((await a.listMessages('INBOX')).map((m) => [m.uid, [...m.flags]])).toEqual([[2, []], [3, ['\\Seen']]]);
    expect(uidlistLines(dir)[0]).toMatch(/ N4 /);
  });

  it('rebuilds a corrupt uidlist with a new UIDVALIDITY, as Dovecot does', async () => {
    const name = fresh();
    const a = await store.openAccount(name);
    const dir = store.accountDir(name);
    await a.appendMessage('INBOX', msg('a'));
    const old = (await a.status('INBOX')).uidValidity;
    await a.close();
    writeFileSync(join(dir, 'dovecot-uidlist'), 'garbage\n');
    const b = await store.openAccount(name);
    const status = await b.status('INBOX');
    expect(status.uidValidity).toBeGreaterThan(old);
    expect(status.messages).toBe(1);
  });

  it('copies by hard link and moves by rename: one inode, no second copy of the data', async () => {
    const name = fresh();
    const a = await store.openAccount(name);
    const dir = store.accountDir(name);
    await a.createFolder('Sent');
    await a.appendMessage('INBOX', msg('a'));
    await a.copyMessages('INBOX', [1], 'Sent');
    const [src] = readdirSync(join(dir, 'cur'));
    const [dst] = readdirSync(join(dir, '.Sent', 'cur'));
    expect(statSync(join(dir, '.Sent', 'cur', dst!)).ino).toBe(statSync(join(dir, 'cur', src!)).ino);
    await a.moveMessages('Sent', [1], 'INBOX');
    expect(readdirSync(join(dir, '.Sent', 'cur'))).toEqual([]);
    expect(uidlistLines(join(dir, '.Sent'))).toHaveLength(1);
    expect(readdirSync(join(dir, 'cur'))).toHaveLength(2);
  });

  it('stores folders as Dovecot\'s Maildir++ directories with their own uidlist', async () => {
    const name = fresh();
    const a = await store.openAccount(name);
    const dir = store.accountDir(name);
    await a.createFolder('Entwürfe/2024');
    expect(readdirSync(dir).filter((e) => e.startsWith('.')).sort()).toEqual(['.Entw&APw-rfe', '.Entw&APw-rfe.2024']);
    for (const sub of ['cur', 'new', 'tmp', 'maildirfolder', 'dovecot-uidlist']) expect(existsSync(join(dir, '.Entw&APw-rfe.2024', sub))).toBe(true);
    expect(uidlistLines(join(dir, '.Entw&APw-rfe.2024'))).toEqual([expect.stringMatching(/^3 V\d+ N1 G[0-9a-f]{32}$/)]);
    await a.renameFolder('Entwürfe', 'Drafts');
    await a.deleteFolder('Drafts/2024');
    expect(readdirSync(dir).filter((e) => e.startsWith('.'))).toEqual(['.Drafts']);
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]); // no staging left behind
  });

  it('refuses bad folder and account names without writing anything outside the account', async () => {
    const name = fresh();
    const a = await store.openAccount(name);
    const before = tree(root);
    for (const bad of ['../../../escape', '..', '.x', 'a/../../b', 'x\0y', 'a.b']) {
      await expect(a.createFolder(bad)).rejects.toMatchObject({ code: 'BAD_MAILBOX_NAME' });
      await expect(a.appendMessage(bad, msg('x'))).rejects.toMatchObject({ code: 'BAD_MAILBOX_NAME' });
      await expect(a.renameFolder('INBOX', bad)).rejects.toMatchObject({ code: 'BAD_MAILBOX_NAME' });
    }
    const forged = { address: '../x@example.test', local: '..', domain: 'example.test' } as AccountName;
    await expect(store.openAccount(forged)).rejects.toThrow();
    expect(tree(root)).toEqual(before);
  });

  it('appendMessages that fails after publishing its files takes them back: no file, no UID, also after reopening', async () => {
    const name = fresh();
    const a = await store.openAccount(name);
    const dir = store.accountDir(name);
    await a.appendMessage('INBOX', msg('kept'));
    const before = readdirSync(join(dir, 'cur'));
    // The uidlist's staging path is a directory: the commit fails after the renames into cur/.
    const staging = join(dir, 'dovecot-uidlist.mailcluster.tmp');
    mkdirSync(join(staging, 'x'), { recursive: true });
    await expect(a.appendMessages('INBOX', [{ data: msg('one') }, { data: msg('two') }, { data: msg('three') }])).rejects.toMatchObject({ code: 'EISDIR' });
    expect(readdirSync(join(dir, 'cur'))).toEqual(before);
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
    rmSync(staging, { recursive: true });
    expect((await a.listMessages('INBOX')).map((m) => m.uid)).toEqual([1]);
    const again = await new MaildirStore({ root }).openAccount(name);
    expect((await again.listMessages('INBOX')).map((m) => m.uid)).toEqual([1]);
    expect((await again.appendMessages('INBOX', [{ data: msg('a') }, { data: msg('b') }])).uids.length).toBe(2);
    expect((await again.listMessages('INBOX')).map((m) => m.size)).toEqual([msg('kept').length, msg('a').length, msg('b').length]);
  });

  it('removes staging and stale tmp files a crash left behind', async () => {
    const name = fresh();
    const dir = store.accountDir(name);
    const a = await store.openAccount(name);
    writeFileSync(join(dir, 'tmp', 'old-partial'), 'x');
    utimesSync(join(dir, 'tmp', 'old-partial'), 1_600_000_000, 1_600_000_000);
    writeFileSync(join(dir, 'tmp', 'young-partial'), 'x');
    writeFileSync(join(dir, 'tmp', '.mc-create-dead'), 'x');
    await a.status('INBOX');
    expect(readdirSync(join(dir, 'tmp'))).toEqual(['young-partial']);
  });
});

describe('fencing', () => {
  it('writeFence only moves forward', async () => {
    const dir = join(root, 'fence-only');
    await writeFence(dir, 5n);
    await writeFence(dir, 6n);
    await expect(writeFence(dir, 4n)).rejects.toBeInstanceOf(FencedError);
    await expect(assertFence(dir, 5n)).rejects.toBeInstanceOf(FencedError);
  });

  it('a holder whose token was superseded can no longer commit anything', async () => {
    const name = fresh();
    const dir = store.accountDir(name);
    await writeFence(dir, 10n);
    const a = await store.openAccount(name, { fenceToken: 10n });
    await a.appendMessage('INBOX', msg('mine'));
    await a.createFolder('Keep');
    await writeFence(dir, 11n); // the controller granted the account to a newer holder
    const snapshot = tree(dir);
    await expect(a.appendMessage('INBOX', msg('late'))).rejects.toBeInstanceOf(FencedError);
    await expect(a.setFlags('INBOX', [1], ['\\Seen'], 'add')).rejects.toBeInstanceOf(FencedError);
    await expect(a.expunge('INBOX', [1])).rejects.toBeInstanceOf(FencedError);
    await expect(a.copyMessages('INBOX', [1], 'Keep')).rejects.toBeInstanceOf(FencedError);
    await expect(a.deleteFolder('Keep')).rejects.toBeInstanceOf(FencedError);
    writeFileSync(join(dir, 'new', '1700000002.M1P1.mda'), msg('delivered meanwhile'));
    await expect(a.listMessages('INBOX')).rejects.toBeInstanceOf(FencedError); // may not even move it to cur/
    expect(tree(dir)).toEqual([...snapshot, 'new/1700000002.M1P1.mda'].sort());
  });
});
