/** Debian's Chromium driven by playwright-core, with a fake camera playing a .y4m file. */
import { isLocal, launchChromium } from '@faceproof/browser-testing';
import type { Browser, BrowserContext, BrowserContextOptions } from 'playwright-core';

export function launch(video?: string): Promise<Browser> {
  return launchChromium(video ? { fakeCamera: video } : {});
}

export { isLocal };

/** Every request any page makes, to prove nothing leaves loopback; anything else is aborted. */
export const requested: string[] = [];

export async function newContext(
  browser: Browser,
  opts: BrowserContextOptions = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({ locale: 'en-US', ...opts });
  context.on('request', (r) => {
    requested.push(r.url());
  });
  await context.route(
    (url) => !isLocal(url.href),
    (route) => route.abort('blockedbyclient'),
  );
  // Records CSP violations so that a test can assert the page runs under its own strict policy.
  await context.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return context;
}
