/**
 * Headless Chromium for browser tests: Debian's `chromium` package driven by playwright-core
 * (never a browser downloaded by a test tool). When /usr/bin/chromium is missing it fails loudly
 * with what to install: `bin/system-deps.sh`, which `npm test` runs first, installs it.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  throw new Error(`browser tests need Debian's Chromium (${CHROMIUM} is missing): run bin/system-deps.sh as root (or apt-get install chromium)`);
}

/** Flags for a closed network: no background fetches, no sandbox (tests run as root), no GPU. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: ensureChromium(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}
