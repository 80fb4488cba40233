import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertFence, FencedError, readFence, writeFence } from '../../../src/storage/fence.ts';
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
