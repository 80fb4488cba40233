import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertFence, FENCE_FILE, FencedError, readFence, writeFence } from '../../../src/storage/fence.ts';
import { MaildirDelivery } from '../../../worker/delivery/maildir-delivery.ts';

const root = mkdtempSync(join(tmpdir(), 'mailcluster-fence-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('fence file', () => {
  it('only moves forward, and refuses an older holder', async () => {
    const dir = join(root, 'acct');
    expect(await readFence(dir)).toBeUndefined();
    await writeFence(dir, 10n);
    await writeFence(dir, 10n);
    await writeFence(dir, 25n);
    expect(await readFence(dir)).toBe(25n);
    await expect(writeFence(dir, 12n)).rejects.toBeInstanceOf(FencedError);
    await expect(assertFence(dir, 10n)).rejects.toBeInstanceOf(FencedError);
    await assertFence(dir, 25n);
    expect(readdirSync(dir).filter((f) => f.includes('tmp'))).toEqual([]);
  });

  it('stops a delivery by a holder whose token was superseded, leaving nothing visible', async () => {
    const delivery = new MaildirDelivery({ root, checkFence: (d, t) => assertFence(d, BigInt(t)) });
    const dir = join(root, 'mail', 'example.test', 'eve');
    await writeFence(dir, 7n);
    await delivery.deliver('eve@example.test', '7', Buffer.from('Subject: ok\r\n\r\nhi\r\n'));
    expect(readdirSync(join(dir, 'new'))).toHaveLength(1);
    await writeFence(dir, 9n); // a newer holder opened the account
    await expect(delivery.deliver('eve@example.test', '7', Buffer.from('Subject: late\r\n\r\nhi\r\n'))).rejects.toBeInstanceOf(FencedError);
    expect(readdirSync(join(dir, 'new'))).toHaveLength(1);
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
  });
});

describe('fence file details', () => {
  it('names the tokens in its error: code FENCED, mine and the one found (or none)', async () => {
    const dir = join(root, 'named');
    await writeFence(dir, 25n);
    const err = (await assertFence(dir, 10n).catch((e: unknown) => e)) as FencedError;
    expect([err.name, err.code, err.mine, err.found, err.dir]).toEqual(['FencedError', 'FENCED', 10n, 25n, dir]);
    expect(err.message).toBe('account fenced: token 10 superseded by 25');
    const none = (await assertFence(join(root, 'never-opened'), 3n).catch((e: unknown) => e)) as FencedError;
    expect(none.message).toBe('account fenced: token 3 superseded by none');
  });

  it('a fence file that is not one token is no token: every holder is refused until one writes it', async () => {
    const dir = join(root, 'garbled');
    mkdirSync(dir, { recursive: true });
    for (const text of ['12abc\n', 'x12\n', '\n']) {
      writeFileSync(join(dir, FENCE_FILE), text);
      expect(await readFence(dir)).toBeUndefined();
      await expect(assertFence(dir, 12n)).rejects.toBeInstanceOf(FencedError);
    }
  });

  it('an unreadable fence is an error, not an absent one', async () => {
    const file = join(root, 'not-a-dir');
    writeFileSync(file, '');
    await expect(readFence(file)).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  it('reopening under the same token writes nothing, and checking leaves no descriptor open', async () => {
    const dir = join(root, 'same');
    await writeFence(dir, 5n);
    const ino = statSync(join(dir, FENCE_FILE)).ino;
    await writeFence(dir, 5n);
    expect(statSync(join(dir, FENCE_FILE)).ino).toBe(ino); // not replaced: no write, no fsync
    const fds = readdirSync('/proc/self/fd').length;
    for (let i = 0; i < 50; i++) await assertFence(dir, 5n);
    expect(readdirSync('/proc/self/fd').length).toBeLessThan(fds + 5);
  });
});
