/**
 * The dashboard in headless Chromium (Debian's, via playwright-core) against a real 3-node
 * cluster: it loads from a node that is not the controller, shows three nodes and the controller,
 * and after kill -9 of the controller shows the new controller, a failover entry with its gap and
 * the dead node unreachable — live, without a reload. It is opened with a one-time login link (the
 * page lands on a clean /dashboard URL) and, in another browser context, by typing the admin token
 * into its form; neither puts the token in a URL. Screenshots go to test-artifacts/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { adminToken } from '../../src/cluster/admin-token.ts';
import { signLoginLink } from '../../src/cluster/admin-session.ts';
import { launchChromium } from '../harness/browser.ts';
import { startTestCluster, type TestCluster } from '../harness/cluster.ts';

const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');
let c: TestCluster;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  [c, browser] = await Promise.all([startTestCluster({ env: { MAILCLUSTER_ADMIN_STATS_INTERVAL_MS: '500' } }), launchChromium()]);
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
});
afterAll(async () => {
  await browser?.close();
  await c?.stop();
});

describe('dashboard', () => {
  it('refuses the API without the token and asks for it', async () => {
    const port = c.node('mail-0').env.MAILCLUSTER_PORTS_ADMIN;
    await page.goto(`http://127.0.0.1:${port}/dashboard`);
    await page.locator('#login').waitFor({ state: 'visible' });
    expect(await page.locator('[data-testid=node-row]').count()).toBe(0);
  });

  it('typing the admin token into the form opens a session (wrong token: stays on the form)', async () => {
    const port = c.node('mail-0').env.MAILCLUSTER_PORTS_ADMIN;
    const context = await browser.newContext();
    const p = await context.newPage();
    try {
      await p.goto(`http://127.0.0.1:${port}/dashboard`);
      await p.locator('#token-input').fill('wrong-token');
      await p.locator('#login-form button').click();
      await expect.poll(() => p.locator('#login-error').textContent(), { timeout: 10_000 }).toBe('wrong token');
      const token = adminToken({ admin: { token: '' }, cluster: { secret: c.local.secret } });
      await p.locator('#token-input').fill(token);
      await p.locator('#login-form button').click();
      await expect.poll(() => p.locator('[data-testid=node-row]').count(), { timeout: 15_000 }).toBe(3);
      const cookie = (await context.cookies()).find((k) => k.name === 'mailcluster_session')!;
      expect([cookie.httpOnly, cookie.sameSite]).toEqual([true, 'Strict']);
      expect(p.url()).toBe(`http://127.0.0.1:${port}/dashboard`);
    } finally {
      await context.close();
    }
  });

  it('shows three nodes and the controller, then a failover after kill -9, live', async () => {
    const ctl = await c.electedController();
    const host = ['mail-0', 'mail-1', 'mail-2'].find((n) => n !== ctl)!;
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const token = adminToken({ admin: { token: '' }, cluster: { secret: c.local.secret } });
    const origin = `http://127.0.0.1:${c.node(host).env.MAILCLUSTER_PORTS_ADMIN}`;
    await page.goto(`${origin}/dashboard?login=${signLoginLink(token, host)}`);
    expect(page.url()).toBe(`${origin}/dashboard`);

    await expect.poll(() => page.locator('[data-testid=node-row]').count(), { timeout: 15_000 }).toBe(3);
    await expect.poll(() => page.locator('[data-testid=controller]').textContent(), { timeout: 15_000 }).toBe(ctl);
    expect(await page.locator(`[data-testid=node-row][data-node=${ctl}] [data-testid=controller-badge]`).count()).toBe(1);
    expect(await page.locator('[data-testid=node-row][data-state=active]').count()).toBe(3);
    await expect.poll(() => page.locator('#conn').textContent(), { timeout: 10_000 }).toBe('live');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-before-failover.png'), fullPage: true });

    await c.node(ctl).kill();
    const next = await c.electedController(30_000, ctl);
    await expect.poll(() => page.locator('[data-testid=controller]').textContent(), { timeout: 15_000 }).toBe(next);
    const entry = page.locator(`[data-testid=failover-entry][data-type=controller-elected][data-node=${next}]`);
    await entry.waitFor({ timeout: 15_000 });
    expect(await entry.textContent()).toMatch(new RegExp(`${next} became controller after a \\d+\\.\\d s gap`));
    expect(await page.locator(`[data-testid=failover-entry][data-type=controller-lost][data-node=${ctl}]`).count()).toBe(1);
    await expect.poll(() => page.locator(`[data-testid=node-row][data-node=${ctl}]`).getAttribute('data-state'), { timeout: 15_000 }).toBe('unreachable');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-after-failover.png'), fullPage: true });
  });
});
