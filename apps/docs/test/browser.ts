import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isLocal, launchChromium } from '@faceproof/browser-testing';
import type { Browser, Page } from 'playwright-core';

export const screenshots = fileURLToPath(new URL('../test-results/', import.meta.url));
mkdirSync(screenshots, { recursive: true });

export const launch = (): Promise<Browser> => launchChromium();

export { isLocal };

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
