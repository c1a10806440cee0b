/**
 * The capture page in a real Chromium with a fake camera, against the stand-in of the validate
 * operation (real face engine on the photo the page takes).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { en } from '../src/messages/en.js';
import { es } from '../src/messages/es.js';
import { format } from '../src/messages/index.js';
import { isLocal, launch, newContext, requested } from './support/browser.js';
import { documentedCode } from './support/spec.js';
import { type StandIn, startStandIn } from './support/stand-in.js';

const require = createRequire(import.meta.url);
const ID = '66e3244369cd15b505d21065';
const SHOTS = path.join(import.meta.dirname, '..', 'test-results');
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1280, height: 800 } };

let server: StandIn;
let face: Browser;
let nonFace: Browser;
let dark: Browser;
let noCamera: Browser;
let tokenSeq = 0;
const token = (scenario: string) => `scenario.${scenario}.${++tokenSeq}`;
const url = (t: string, query = '') => `${server.origin}/capture/${ID}${query}#token=${t}`;

beforeAll(async () => {
  [server, face, nonFace, dark, noCamera] = await Promise.all([
    startStandIn(),
    launch(inject('faceVideo')),
    launch(inject('nonFaceVideo')),
    launch(inject('darkVideo')),
    launch(),
  ]);
});

// Each test's own pages, whatever ran before: they made requests (so they are recorded), none off loopback.
afterEach(() => {
  const made = requested.splice(0);
  expect(made.length, 'requests recorded').toBeGreaterThan(0);
  expect(made.filter((u) => !isLocal(u))).toEqual([]);
});

afterAll(async () => {
  await Promise.all([face, nonFace, dark, noCamera].map((b) => b?.close()));
  await server?.close();
});

async function open(browser: Browser, address: string, opts = {}): Promise<Page> {
  const context = await newContext(browser, opts);
  const page = await context.newPage();
  await page.goto(address);
  return page;
}

async function startCamera(page: Page, label = en.startCamera, captureLabel = en.capture): Promise<void> {
  await page.getByRole('button', { name: label }).click();
  const capture = page.getByRole('button', { name: captureLabel });
  await capture.waitFor();
  await page.waitForFunction(() => !(document.getElementById('btn-capture') as HTMLButtonElement).disabled);
}

async function resultTitle(page: Page): Promise<string> {
  const title = page.locator('#result-title');
  await title.waitFor({ state: 'visible' });
  return (await title.textContent()) ?? '';
}

async function expectNoCspViolation(page: Page): Promise<void> {
  expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
}

async function axe(page: Page): Promise<{ id: string; nodes: string[] }[]> {
  // Evaluated through the DevTools protocol, so the page's CSP (script-src 'self') does not block it.
  await page.evaluate(await readFile(require.resolve('axe-core/axe.min.js'), 'utf8'));
  return page.evaluate(async () => {
    const run = (window as any).axe.run as (ctx: Document, o: object) => Promise<any>;
    const result = await run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa'] },
    });
    return result.violations.map((v: any) => ({
      id: v.id,
      nodes: v.nodes.map((n: any) => n.target.join(' ')),
    }));
  });
}

/** Every visible button, link and form field has an accessible name. */
async function unnamedControls(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('button, a[href], input, select, textarea, video')]
      .filter((el) => el.getClientRects().length > 0 && el.getAttribute('aria-hidden') !== 'true')
      .filter(
        (el) =>
          !(
            el.getAttribute('aria-label') ||
            el.textContent?.trim() ||
            (el as HTMLInputElement).labels?.length
          ),
      )
      .map((el) => el.outerHTML.slice(0, 80)),
  );
}

describe('capture page', () => {
  it('takes the photo from the camera, validates it and lands on the redirect URL with the result token', async () => {
    const t = token('engine');
    const page = await open(face, url(t, '?lang=en'));
    // The token left the address bar before anything else happened.
    expect(page.url()).toBe(`${server.origin}/capture/${ID}?lang=en`);
    expect(await page.title()).toBe(en.pageTitle);
    await startCamera(page);
    // A real face in good light: brightness hints say nothing is wrong.
    await page.waitForFunction(() => document.getElementById('hint')?.dataset.hint === 'hintPlaceFace');
    await page.getByRole('button', { name: en.capture }).click();
    await page.waitForURL(/\/welcome\?token=/);

    const landed = new URL(page.url());
    const documented = 'eyJhbGciOiJFUzI1NiIsImtpZCI6ImtleS0xIn0.eyJhdWQiOiJmYWNlcHJvb2Y6cmVzdWx0In0.sig';
    expect(landed.searchParams.get('token')).toBe(documented);
    const call = server.calls.find((c) => c.token === t);
    expect(call).toMatchObject({
      status: 200,
      contentType: 'application/json',
      referer: undefined,
      format: 'jpeg',
      width: 640,
      height: 480,
    });
    expect(call?.image.startsWith('data:image/jpeg;base64,')).toBe(true);
    // The token is forgotten once used.
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.context().close();
  });

  it('keeps the token across a reload of the tab, and says a link without one is not valid', async () => {
    const page = await open(face, url(token('engine')));
    await page.reload();
    await page.getByRole('button', { name: en.startCamera }).waitFor();
    await page.goto(`${server.origin}/capture/${'0'.repeat(24)}`);
    expect(await resultTitle(page)).toBe(en.badLinkTitle);
    expect(await page.getByRole('button').filter({ visible: true }).count()).toBe(0);
    await page.context().close();
  });

  it('ends a non-face video in the failure state with the attempts left, then out of attempts', async () => {
    const t = token('engine');
    const page = await open(nonFace, url(t), PHONE);
    await page.screenshot({ path: path.join(SHOTS, 'phone-intro.png') });
    await startCamera(page);
    await page.waitForFunction(() => document.getElementById('hint')?.dataset.hint !== undefined);
    await page.screenshot({ path: path.join(SHOTS, 'phone-camera.png') });
    await page.getByRole('button', { name: en.capture }).click();

    expect(await resultTitle(page)).toBe(en.photoUnusableTitle);
    expect(await page.locator('#result-reason').textContent()).toBe(en.reason_NO_FACE);
    expect(await page.locator('#result-attempts').textContent()).toBe('You have 2 attempts left.');
    // Focus follows the outcome, so a screen reader reads it.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('result-title');
    await page.screenshot({ path: path.join(SHOTS, 'phone-failure.png') });
    expect(await axe(page)).toEqual([]);
    expect(await unnamedControls(page)).toEqual([]);

    await page.getByRole('button', { name: en.retry }).click();
    await page.waitForFunction(() => !(document.getElementById('btn-capture') as HTMLButtonElement).disabled);
    await page.getByRole('button', { name: en.capture }).click();
    await page.locator('#result-attempts', { hasText: en.attemptsLeftOne }).waitFor();

    await page.getByRole('button', { name: en.retry }).click();
    await page.waitForFunction(() => !(document.getElementById('btn-capture') as HTMLButtonElement).disabled);
    await page.getByRole('button', { name: en.capture }).click();
    await page.locator('#result-title', { hasText: en.failedTitle }).waitFor();
    expect(await page.getByRole('button', { name: en.retry }).isVisible()).toBe(false);
    expect(server.calls.filter((c) => c.token === t).map((c) => c.status)).toEqual([400, 400, 400]);
    await expectNoCspViolation(page);
    await page.context().close();
  });

  it('says so when the session expired (driven by the keyboard alone)', async () => {
    const page = await open(face, url(token('expired')));
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe(en.startCamera);
    await page.keyboard.press('Enter');
    // Focus moves to the capture button as soon as the camera runs.
    await page.waitForFunction(() => document.activeElement?.id === 'btn-capture');
    await page.keyboard.press('Enter');
    expect(await resultTitle(page)).toBe(en.expiredTitle);
    expect(await page.locator('#result-body').textContent()).toBe(en.expiredBody);
    expect(await page.getByRole('button', { name: en.retry }).isVisible()).toBe(false);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.context().close();
  });

  it('says at once when the session had expired before the page opened', async () => {
    const page = await open(face, url(token('expiredatstart')));
    expect(await resultTitle(page)).toBe(en.expiredTitle);
    expect(await page.getByRole('button', { name: en.startCamera }).isVisible()).toBe(false);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.context().close();
  });

  it('explains a failed liveness check and a completed session', async () => {
    const page = await open(face, url(token('liveness')));
    await startCamera(page);
    await page.getByRole('button', { name: en.capture }).click();
    expect(await resultTitle(page)).toBe(en.livenessTitle);
    expect(await page.locator('#result-attempts').textContent()).toBe(en.attemptsLeftOne);
    // A new link in the same tab differs only in its fragment: the page picks up the new token.
    await page.goto(url(token('completed')));
    await page.waitForURL((u) => u.hash === '');
    await startCamera(page);
    await page.getByRole('button', { name: en.capture }).click();
    expect(await resultTitle(page)).toBe(en.completedTitle);
    await page.context().close();
  });

  it('shows a success screen when the validation has no redirect URL', async () => {
    const page = await open(face, url(token('noredirect')), DESKTOP);
    await startCamera(page);
    await page.waitForFunction(() => document.getElementById('hint')?.dataset.hint !== undefined);
    await page.screenshot({ path: path.join(SHOTS, 'desktop-camera.png') });
    await page.getByRole('button', { name: en.capture }).click();
    expect(await resultTitle(page)).toBe(en.successTitle);
    await page.screenshot({ path: path.join(SHOTS, 'desktop-success.png') });
    await page.context().close();
  });

  it('sends the same photo again after a 503, once Retry-After has passed', async () => {
    const t = token('busy');
    const page = await open(face, url(t));
    await startCamera(page);
    await page.getByRole('button', { name: en.capture }).click();
    // Read in the page in the frame the result appears: asked afterwards over the protocol, a
    // loaded machine could answer after the 1 s of Retry-After had already passed.
    const shown = await page.waitForFunction(() => {
      const title = document.getElementById('result-title');
      if (!title || title.closest('section')?.hidden) return undefined;
      const retry = document.getElementById('btn-retry') as HTMLButtonElement;
      return { title: title.textContent, disabled: retry.disabled, label: retry.textContent };
    });
    expect(await shown.jsonValue()).toEqual({
      title: en.busyTitle,
      disabled: true,
      label: format(en.retryIn, { n: 1 }),
    });
    const retry = page.getByRole('button', { name: en.retry, exact: true });
    await retry.waitFor();
    await page.waitForFunction(() => !(document.getElementById('btn-retry') as HTMLButtonElement).disabled);
    await retry.click();
    await page.waitForURL(/\/welcome\?token=/);
    const images = server.calls.filter((c) => c.token === t).map((c) => c.image);
    expect(images).toHaveLength(2);
    expect(images[1]).toBe(images[0]);
    await page.context().close();
  });

  it('hints at more light in a dark room', async () => {
    const page = await open(dark, url(token('engine')));
    await startCamera(page);
    await page.locator('#hint', { hasText: en.hintDark }).waitFor();
    await page.context().close();
  });

  it('offers a way out when camera permission is denied: instructions and a photo file', async () => {
    const context = await newContext(noCamera, PHONE);
    await context.addInitScript(() => {
      navigator.mediaDevices.getUserMedia = () =>
        Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    });
    const page = await context.newPage();
    await page.goto(url(token('engine')));
    expect(await axe(page)).toEqual([]);
    await page.getByRole('button', { name: en.startCamera }).click();
    expect(await resultTitle(page)).toBe(en.cameraBlockedTitle);
    expect(await page.locator('#result-steps li').allTextContents()).toEqual([
      en.cameraBlockedStep1,
      en.cameraBlockedStep2,
      en.cameraBlockedStep3,
    ]);
    expect(await page.getByRole('button', { name: en.tryCameraAgain }).isVisible()).toBe(true);
    const file = page.locator('#file');
    expect(await file.getAttribute('accept')).toBe('image/*');
    expect(await file.getAttribute('capture')).toBe('user');
    await page.screenshot({ path: path.join(SHOTS, 'phone-camera-blocked.png') });
    expect(await axe(page)).toEqual([]);
    expect(await unnamedControls(page)).toEqual([]);

    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: en.usePhoto }).filter({ visible: true }).click();
    await (await chooser).setFiles(inject('facePhoto'));
    await page.waitForURL(/\/welcome\?token=/);
    await context.close();
  });

  it('without any camera offers the photo file only, and says so when the file is not an image', async () => {
    const context = await newContext(noCamera);
    await context.addInitScript(() => {
      navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('none', 'NotFoundError'));
    });
    const page = await context.newPage();
    const t = token('engine');
    await page.goto(url(t));
    await page.getByRole('button', { name: en.startCamera }).click();
    expect(await resultTitle(page)).toBe(en.noCameraTitle);
    expect(await page.getByRole('button', { name: en.tryCameraAgain }).isVisible()).toBe(false);
    await page
      .locator('#file')
      .setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hi') });
    await page.locator('#result-title', { hasText: en.fileErrorTitle }).waitFor();
    expect(server.calls.some((c) => c.token === t)).toBe(false);
    await context.close();
  });

  it('speaks Spanish with ?lang=es, and with a Spanish browser', async () => {
    const page = await open(nonFace, url(token('engine'), '?lang=es'), DESKTOP);
    expect(await page.getAttribute('html', 'lang')).toBe('es');
    expect(await page.title()).toBe(es.pageTitle);
    await page.screenshot({ path: path.join(SHOTS, 'desktop-intro-es.png') });
    expect(await axe(page)).toEqual([]);
    await startCamera(page, es.startCamera, es.capture);
    expect(await axe(page)).toEqual([]);
    await page.getByRole('button', { name: es.capture }).click();
    expect(await resultTitle(page)).toBe(es.photoUnusableTitle);
    expect(await page.locator('#result-reason').textContent()).toBe(es.reason_NO_FACE);
    expect(await page.locator('#result-attempts').textContent()).toBe('Te quedan 2 intentos.');
    await page.context().close();

    const browserEs = await open(nonFace, url(token('engine')), { locale: 'es-MX' });
    expect(await browserEs.getByRole('button', { name: es.startCamera }).isVisible()).toBe(true);
    await browserEs.context().close();
  });

  it('asks for the emailed code once the face passed, says when it is wrong, and lands on the redirect URL', async () => {
    const t = token('twofa');
    const page = await open(face, url(t), PHONE);
    await startCamera(page);
    await page.getByRole('button', { name: en.capture }).click();
    await page.locator('#code-title', { hasText: en.codeTitle }).waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('code-title');
    const input = page.getByLabel(en.codeLabel);
    expect(await input.getAttribute('autocomplete')).toBe('one-time-code');
    expect(await input.getAttribute('inputmode')).toBe('numeric');
    await page.screenshot({ path: path.join(SHOTS, 'phone-code.png') });
    expect(await axe(page)).toEqual([]);

    await input.fill('000000');
    await page.getByRole('button', { name: en.codeSubmit }).click();
    await page.locator('#code-error', { hasText: en.codeWrong }).waitFor();
    expect(await page.locator('#code-attempts').textContent()).toBe('You have 4 attempts left.');
    expect(await input.getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('code');
    expect(await page.locator('#code-error').getAttribute('role')).toBe('alert');
    await page.screenshot({ path: path.join(SHOTS, 'phone-code-wrong.png') });
    expect(await axe(page)).toEqual([]);
    expect(await unnamedControls(page)).toEqual([]);

    // A reload of the tab comes back to the code screen, not to the camera.
    await page.reload();
    await page.locator('#code-title', { hasText: en.codeTitle }).waitFor();
    // Pasted with a space, sent with Enter.
    await page.getByLabel(en.codeLabel).fill(`${documentedCode.slice(0, 3)} ${documentedCode.slice(3)}`);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/welcome\?token=/);
    expect(server.codeCalls.filter((c) => c.token === t).map((c) => c.code)).toEqual([
      '000000',
      documentedCode,
    ]);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await expectNoCspViolation(page);
    await page.context().close();
  });

  it('in Spanish, ends an expired code on its own screen', async () => {
    const page = await open(face, url(token('twofaexpired'), '?lang=es'), DESKTOP);
    await startCamera(page, es.startCamera, es.capture);
    await page.getByRole('button', { name: es.capture }).click();
    await page.locator('#code-title', { hasText: es.codeTitle }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'desktop-code-es.png') });
    await page.getByLabel(es.codeLabel).fill(documentedCode);
    await page.getByRole('button', { name: es.codeSubmit }).click();
    expect(await resultTitle(page)).toBe(es.codeExpiredTitle);
    expect(await page.locator('#result-body').textContent()).toBe(es.codeExpiredBody);
    expect(await page.getByRole('button').filter({ visible: true }).count()).toBe(0);
    expect(await axe(page)).toEqual([]);
    await page.context().close();
  });

  it('checks the code format before sending, and ends after too many wrong codes', async () => {
    const t = token('twofa');
    const page = await open(face, url(t));
    await startCamera(page);
    await page.getByRole('button', { name: en.capture }).click();
    const input = page.getByLabel(en.codeLabel);
    await input.waitFor();
    await input.fill('12');
    await page.keyboard.press('Enter');
    await page.locator('#code-error', { hasText: en.codeFormat }).waitFor();
    expect(server.codeCalls.filter((c) => c.token === t)).toEqual([]);
    for (const left of [
      'You have 4 attempts left.',
      'You have 3 attempts left.',
      'You have 2 attempts left.',
      en.attemptsLeftOne,
    ]) {
      await input.fill('111111');
      await page.keyboard.press('Enter');
      await page.locator('#code-attempts', { hasText: left }).waitFor();
    }
    await input.fill('111111');
    await page.keyboard.press('Enter');
    expect(await resultTitle(page)).toBe(en.codeExhaustedTitle);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.context().close();
  });

  describe('active liveness', () => {
    /** The page once it knows the flow's mode (it asks the server at start). */
    async function openActive(t: string, query = '', opts: object = PHONE): Promise<Page> {
      const page = await open(face, url(t, query), opts);
      await page.waitForFunction(() => document.documentElement.classList.contains('ready'));
      return page;
    }

    it('runs the challenge with prompts, a guide and progress, and sends the still, 15 frames and the challenge', async () => {
      const t = token('activefail');
      const page = await openActive(t, '?lang=en');
      // A chosen file cannot prove liveness: no file button anywhere on an active flow.
      expect(await page.getByRole('button', { name: en.usePhoto }).filter({ visible: true }).count()).toBe(0);
      expect(await page.locator('#intro-body').textContent()).toBe(en.introActiveBody);
      await page.screenshot({ path: path.join(SHOTS, 'phone-active-intro.png') });
      await startCamera(page, en.startCamera, en.activeStart);
      const issued = server.challenges.filter((c) => c.token === t);
      expect(issued.length).toBe(1);
      const steps = issued[0]?.steps ?? [];
      const prompts = steps.map((s) => en[`step_${s}` as keyof typeof en]);
      expect(await page.locator('#steps li').count()).toBe(steps.length);
      expect(await page.locator('#prompt').getAttribute('aria-live')).toBe('assertive');
      expect(await axe(page)).toEqual([]);
      await page.getByRole('button', { name: en.activeStart }).click();
      await page.locator('#prompt-text', { hasText: en.activeGetReady }).waitFor();
      // Each step is prompted in turn, in words, with "now" on the current one (not by colour alone).
      for (const [i, text] of prompts.entries()) {
        await page
          .locator('#prompt-text', { hasText: `Step ${i + 1} of ${steps.length}: ${text}` })
          .waitFor();
        await page.locator('#steps li[aria-current="step"]', { hasText: `(${en.activeStepNow})` }).waitFor();
        if (i === 0) await page.screenshot({ path: path.join(SHOTS, 'phone-active-step.png') });
      }
      expect(await resultTitle(page)).toBe(en.activeFailedTitle);
      expect(await page.locator('#result-reason').textContent()).toBe(en.check_not_flat);
      expect(await page.getByRole('button', { name: en.retry }).isVisible()).toBe(true);
      expect(await page.locator('#btn-file').isVisible()).toBe(false);
      await page.screenshot({ path: path.join(SHOTS, 'phone-active-failed.png') });
      expect(await axe(page)).toEqual([]);

      const call = server.calls.find((c) => c.token === t);
      expect(call?.challengeId).toBe(issued[0]?.id);
      expect(call).toMatchObject({ status: 400, format: 'jpeg', width: 640, height: 480 });
      const frames = call?.frames ?? [];
      expect(frames.length).toBe(15);
      const times = frames.map((f) => f.capturedAtMs);
      for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1] as number);
      const span = (times.at(-1) as number) - (times[0] as number);
      expect(span).toBeGreaterThan(800);
      expect(span).toBeLessThan(6000);
      const bytes = frames.reduce((n, f) => n + f.image.length, 0) + (call?.image.length ?? 0);
      expect(bytes, 'upload size').toBeLessThan(600_000);
      await page.context().close();
    });

    it('lands on the redirect URL when the challenge passes, prompting in Spanish', async () => {
      const t = token('activepass');
      const page = await openActive(t, '?lang=es', DESKTOP);
      await startCamera(page, es.startCamera, es.activeStart);
      await page.getByRole('button', { name: es.activeStart }).click();
      await page.locator('#prompt-text', { hasText: 'Paso 1 de' }).waitFor();
      await page.screenshot({ path: path.join(SHOTS, 'desktop-active-step-es.png') });
      await page.waitForURL(/\/welcome\?token=/);
      await page.context().close();
    });

    it('gives new instructions when the challenge ran out before it was sent, without using an attempt', async () => {
      const t = token('activetimeout');
      const page = await openActive(t);
      await startCamera(page, en.startCamera, en.activeStart);
      await page.getByRole('button', { name: en.activeStart }).click();
      expect(await resultTitle(page)).toBe(en.challengeTimeoutTitle);
      expect(server.calls.filter((c) => c.token === t)).toEqual([]);
      await page.getByRole('button', { name: en.retry }).click();
      await page.getByRole('button', { name: en.activeStart }).waitFor();
      // Less than 20 s of life: each start asks for a fresh challenge.
      expect(server.challenges.filter((c) => c.token === t).length).toBeGreaterThanOrEqual(2);
      await page.context().close();
    });
  });
});
