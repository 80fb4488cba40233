import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MaildirFolder, UIDLIST } from '../../../src/storage/maildir/folder.ts';
import { parseUidList, serializeUidList, newUidList } from '../../../src/storage/maildir/uidlist.ts';
import { joinName, splitName } from '../../../src/storage/maildir/filename.ts';
import { MaildirDelivery, accountDir } from '../../../worker/delivery/maildir-delivery.ts';

const root = mkdtempSync(join(tmpdir(), 'mailcluster-maildir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const msg = (s: string) => Buffer.from(`Subject: ${s}\r\n\r\nbody ${s}\r\n`);

describe('dovecot-uidlist', () => {
  it('round-trips, keeping extension fields', () => {
    const text = '3 V1275660208 N25022 G3085f01b7f11094c501100008c4a11c1\n25020 :1.M1P2.host,S=10\n25021 W123 :2.M1P2.host,S=12\n';
    expect(serializeUidList(parseUidList(text))).toBe(text);
  });
  it('serialises generated lists that parse back identically', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[0-9]{1,10}\.M[0-9]{1,6}P[0-9]{1,5}\.[a-z]{1,8},S=[0-9]{1,6}$/), { maxLength: 20 }), (bases) => {
        const l = newUidList(1_700_000_000_000);
        l.entries = [...new Set(bases)].map((base, i) => ({ uid: i + 1, base, ext: '' }));
        l.nextUid = l.entries.length + 1;
        expect(parseUidList(serializeUidList(l))).toEqual(l);
      }),
    );
  });
  it('refuses other versions', () => expect(() => parseUidList('1 100 5\n')).toThrow());
});

describe('maildir file names', () => {
  it('maps IMAP system flags to sorted maildir letters and back', () => {
    expect(joinName('x,S=5', ['\\Seen', '\\Answered', '\\Flagged'])).toBe('x,S=5:2,FRS');
    expect([...splitName('x,S=5:2,DFRST').flags].sort()).toEqual(['\\Answered', '\\Deleted', '\\Draft', '\\Flagged', '\\Seen']);
    expect(splitName('plain').base).toBe('plain');
  });
});

describe('MaildirFolder', () => {
  it('gives delivered messages stable ascending UIDs and keeps UIDVALIDITY', async () => {
    const delivery = new MaildirDelivery({ root });
    for (const s of ['one', 'two', 'three']) await delivery.deliver('fay@example.test', '1', msg(s));
    const dir = accountDir(root, 'fay@example.test');
    const f = new MaildirFolder(dir);
    await f.sync();
    expect(f.messages().map((m) => m.uid)).toEqual([1, 2, 3]);
    expect((await f.read(2)).toString()).toContain('Subject: two');
    expect(readdirSync(join(dir, 'new'))).toEqual([]);
    const validity = f.uidValidity;

    await f.setFlags(2, ['\\Seen', '\\Flagged']);
    await f.expunge([1]);
    await delivery.deliver('fay@example.test', '1', msg('four'));
    const again = new MaildirFolder(dir);
    await again.sync();
    expect(again.uidValidity).toBe(validity);
    expect(again.messages().map((m) => [m.uid, [...m.flags].sort()])).toEqual([[2, ['\\Flagged', '\\Seen']], [3, []], [4, []]]);
    expect(readFileSync(join(dir, UIDLIST), 'utf8').split('\n')[0]).toMatch(new RegExp(`^3 V${validity} N5 G[0-9a-f]{32}$`));
  });

  it('assigns UIDs to files another MDA dropped into new/', async () => {
    const dir = join(root, 'other');
    const f = new MaildirFolder(dir);
    await f.sync();
    writeFileSync(join(dir, 'new', '1700000000.M1P1.mda'), msg('foreign'));
    await f.sync();
    expect(f.messages()).toEqual([expect.objectContaining({ uid: 1, base: '1700000000.M1P1.mda' })]);
  });

  it('refuses metadata commits when the fence check fails', async () => {
    const dir = join(root, 'fenced');
    let allowed = true;
    const f = new MaildirFolder(dir, { beforeCommit: async () => { if (!allowed) throw new Error('fenced'); } });
    await f.sync();
    writeFileSync(join(dir, 'new', '1.M1P1.x'), msg('a'));
    allowed = false;
    await expect(f.sync()).rejects.toThrow('fenced');
    expect(readFileSync(join(dir, UIDLIST), 'utf8')).not.toContain('1.M1P1.x');
  });
});
