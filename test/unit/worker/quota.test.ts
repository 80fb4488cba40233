/**
 * Quota on delivery: usage comes from the maildir's file names, is rescanned at most every
 * `usageTtlMs` (a burst of deliveries does not scan once per message), and what was delivered
 * since the scan is counted, so a burst cannot slip past the limit.
 */
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AccountDirectory } from '../../../src/accounts/directory.ts';
import { QuotaLookup } from '../../../worker/delivery/quota.ts';

const root = mkdtempSync(join(tmpdir(), 'mailcluster-quota-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const directory = { getAccount: async () => ({ quotaBytes: 10_000 }) } as unknown as AccountDirectory;

describe('QuotaLookup', () => {
  it('counts file-name sizes, charges deliveries between scans, and rescans after the TTL', async () => {
    const dir = join(root, 'a');
    for (const sub of ['new', 'cur', 'tmp', '.Sent/cur']) mkdirSync(join(dir, sub), { recursive: true });
    writeFileSync(join(dir, 'cur', '1.M1P1.h,S=3000:2,S'), '');
    writeFileSync(join(dir, '.Sent', 'cur', '2.M2P1.h,S=1000:2,S'), '');
    const q = new QuotaLookup(() => directory, 5000, 200);
    expect(await q.check('a@x.test', dir)).toEqual({ used: 4000, limit: 10_000 });

    // Delivered since the scan: counted without a rescan (the file is not even looked at).
    q.charge('a@x.test', 2500);
    expect(await q.check('a@x.test', dir)).toEqual({ used: 6500, limit: 10_000 });

    // After the TTL the maildir is the truth again: an expunge elsewhere frees its bytes.
    unlinkSync(join(dir, 'cur', '1.M1P1.h,S=3000:2,S'));
    await new Promise((r) => setTimeout(r, 250));
    expect(await q.check('a@x.test', dir)).toEqual({ used: 1000, limit: 10_000 });
  });

  it('accounts without a limit cost no scan', async () => {
    const none = { getAccount: async () => ({ quotaBytes: 0 }) } as unknown as AccountDirectory;
    expect(await new QuotaLookup(() => none).check('b@x.test', join(root, 'missing'))).toBeUndefined();
  });
});
