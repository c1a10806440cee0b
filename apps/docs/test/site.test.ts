import { type Json, loadBundle, operations, webhookOperations } from '@faceproof/openapi';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { guard, launch, screenshots } from './browser.ts';

const spec: Json = loadBundle();
const guides = [
  'index',
  'quick-start',
  'login-flow',
  'onboarding-flow',
  'tokens',
  'webhooks',
  'errors',
  'migrating-from-verifik',
  'self-hosting',
  'recognition',
];
const viewports = {
  desktop: { width: 1280, height: 900 },
  phone: { width: 390, height: 844 },
} as const;

/**
 * Deadline for a state the reference reaches on its own: Scalar renders a section only after its
 * link is clicked, and builds its search index after load, which takes seconds on a loaded
 * machine (vitest's default for `expect.poll` is 1 s). A bound on a hang, not a speed target.
 */
const EVENTUALLY = { timeout: 20_000, interval: 100 } as const;
/** For a test that visits every operation in turn: each step has its own deadline above. */
const EVERY_OPERATION_TIMEOUT = 180_000;

let browser: Browser;
const contexts: BrowserContext[] = [];
/** What the pages of the running test recorded; checked after each test, whatever ran before. */
const logs: { external: string[] }[] = [];

async function newPage(viewport: { width: number; height: number } = viewports.desktop) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  contexts.push(context);
  const page = await context.newPage();
  const log = await guard(page);
  logs.push(log);
  return { page, log };
}

afterEach(() => {
  const external = logs.splice(0).flatMap((l) => l.external);
  expect(external, 'requests to hosts other than loopback').toEqual([]);
});

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
});

describe('guides', () => {
  for (const name of guides) {
    for (const [label, viewport] of Object.entries(viewports)) {
      it(`${name} renders without console errors (${label})`, async () => {
        const { page, log } = await newPage(viewport);
        const res = await page.goto(`${inject('docsUrl')}/${name}.html`, { waitUntil: 'networkidle' });
        expect(res?.status()).toBe(200);
        await expect(page.locator('main h1').textContent()).resolves.toBeTruthy();
        expect(await page.locator('header nav a').count()).toBeGreaterThanOrEqual(guides.length + 3);
        // Nothing sticks out sideways on a phone (wide tables and code scroll inside themselves).
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow).toBeLessThanOrEqual(0);
        // On a laptop screen every nav link is in view (the nav scrolls sideways only on a phone).
        if (label !== 'phone') {
          const hidden = await page.evaluate(() =>
            [...document.querySelectorAll('header nav a')]
              .filter((a) => a.getBoundingClientRect().right > window.innerWidth)
              .map((a) => a.textContent),
          );
          expect(hidden).toEqual([]);
        }
        await page.screenshot({ path: `${screenshots}${name}-${label}.png`, fullPage: label === 'desktop' });
        expect(log.consoleErrors).toEqual([]);
      });
    }
  }

  it('lists every documented error of the spec in the catalogue', async () => {
    const { page } = await newPage();
    await page.goto(`${inject('docsUrl')}/errors.html`, { waitUntil: 'networkidle' });
    const text = await page.locator('main').textContent();
    for (const { op } of operations(spec)) {
      expect(text).toContain(op.operationId);
    }
    expect(text).toContain('LIVENESS_DETECTION_FAILED');
    expect(text).toContain('person_already_set');
  });
});

describe('spec downloads', () => {
  it('serves the bundled spec as YAML and JSON, linked from the nav', async () => {
    const { page } = await newPage();
    await page.goto(`${inject('docsUrl')}/index.html`);
    for (const file of ['openapi.yaml', 'openapi.json']) {
      const href = await page.locator(`header nav a[href="${file}"]`).getAttribute('href');
      const res = await page.request.get(`${inject('docsUrl')}/${href}`);
      expect(res.status()).toBe(200);
      const body = await res.text();
      expect(body).toContain(spec.info.title);
    }
    expect(JSON.parse(await (await page.request.get(`${inject('docsUrl')}/openapi.json`)).text())).toEqual(
      spec,
    );
  });
});

describe('API reference', () => {
  // Each opens every operation (or webhook) in turn, so its total grows with the spec: under load
  // that outlasts the default timeout, which is there to catch a hang, not to time the page.
  it('renders every operation of the spec', { timeout: EVERY_OPERATION_TIMEOUT }, async () => {
    const { page } = await newPage();
    await page.goto(`${inject('docsUrl')}/reference.html`, { waitUntil: 'networkidle' });
    for (const { method, path, op } of operations(spec)) {
      const link = page.locator(`a[href$="/${method.toUpperCase()}${path}"]`).first();
      await link.click();
      await expect
        .poll(() => page.getByRole('heading', { name: op.summary, exact: true }).first().isVisible(), {
          ...EVENTUALLY,
          message: `${op.operationId} (${op.summary})`,
        })
        .toBe(true);
    }
    await page.screenshot({ path: `${screenshots}reference-desktop.png` });
  });

  it('renders every webhook event of the spec', { timeout: EVERY_OPERATION_TIMEOUT }, async () => {
    const { page } = await newPage();
    await page.goto(`${inject('docsUrl')}/reference.html`, { waitUntil: 'networkidle' });
    for (const { path: event, op } of webhookOperations(spec)) {
      // Scalar links a webhook by its name with dashes.
      const link = page.locator(`a[href$="/webhook/POST/${event.replace(/_/g, '-')}"]`).first();
      await link.click();
      await expect
        .poll(() => page.getByRole('heading', { name: op.summary, exact: true }).first().isVisible(), {
          ...EVENTUALLY,
          message: `${event} (${op.summary})`,
        })
        .toBe(true);
    }
    await page.screenshot({ path: `${screenshots}reference-webhooks.png` });
  });

  it('finds "liveness" with its search', async () => {
    const { page } = await newPage();
    await page.goto(`${inject('docsUrl')}/reference.html`, { waitUntil: 'networkidle' });
    await page
      .getByRole('button', { name: /search/i })
      .first()
      .click();
    await page.keyboard.type('liveness');
    const results = page.getByRole('option');
    // Results follow the typing (and a debounce): wait for those of the whole word.
    await expect
      .poll(async () => (await results.allInnerTexts()).join('\n'), EVENTUALLY)
      .toContain('Validate biometric validation');
    await page.screenshot({ path: `${screenshots}reference-search.png` });
  });

  it('sends a real request to the mock from the try-it console and shows its response', async () => {
    const { page } = await newPage();
    const mockUrl = inject('mockUrl');
    const sent: string[] = [];
    page.on('request', (r) => {
      if (r.url().startsWith(mockUrl)) sent.push(`${r.method()} ${r.url()}`);
    });
    await page.goto(`${inject('docsUrl')}/reference.html?server=${encodeURIComponent(mockUrl)}`, {
      waitUntil: 'networkidle',
    });
    await page.locator('a[href$="/POST/v2/biometric-validations"]').first().click();
    await page
      .getByRole('button', { name: /test request/i })
      .first()
      .click();
    // Create biometric validation also takes no token (a public start): the console may offer none.
    const tokenField = page.getByPlaceholder('Token').first();
    await tokenField.waitFor({ state: 'visible', timeout: 5_000 }).then(
      () => tokenField.fill('docs-test-token'),
      () => undefined,
    );
    await page.getByRole('button', { name: /^send/i }).first().click();
    await expect.poll(() => page.getByText('200 OK').first().isVisible(), EVENTUALLY).toBe(true);
    await expect
      .poll(() => page.getByText('"biometricValidation"').first().isVisible(), EVENTUALLY)
      .toBe(true);
    expect(sent).toContain(`POST ${mockUrl}/v2/biometric-validations`);
    await page.screenshot({ path: `${screenshots}reference-try-it.png` });
  });

  it('renders on a phone', async () => {
    const { page } = await newPage(viewports.phone);
    await page.goto(`${inject('docsUrl')}/reference.html`, { waitUntil: 'networkidle' });
    const title = page.locator('h1', { hasText: spec.info.title }).first();
    await expect.poll(() => title.isVisible(), EVENTUALLY).toBe(true);
    // The page itself does not scroll sideways on a phone.
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
    ).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `${screenshots}reference-phone.png` });
  });
});
