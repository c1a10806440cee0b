import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

export const screenshots = fileURLToPath(new URL('../test-results/', import.meta.url));
mkdirSync(screenshots, { recursive: true });

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;

/** Whether a URL the page asked for stays on this machine (data: and blob: URLs never leave it). */
export function isLocal(url: string): boolean {
  const u = new URL(url);
  if (u.protocol === 'data:' || u.protocol === 'blob:' || u.protocol === 'about:') return true;
  return LOOPBACK.test(u.hostname);
}

/**
 * Records every request of the page and blocks any that would leave loopback (so a regression
 * fails the test instead of hanging on a network that is not there).
 */
export async function guard(page: Page): Promise<{ external: string[]; consoleErrors: string[] }> {
  const external: string[] = [];
  const consoleErrors: string[] = [];
  page.on('request', (r) => {
    if (!isLocal(r.url())) {
      external.push(r.url());
      console.error(`request left loopback: ${r.method()} ${r.url()}`);
    }
  });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.route('**/*', (route) => (isLocal(route.request().url()) ? route.continue() : route.abort()));
  return { external, consoleErrors };
}
