/**
 * End to end against the real server (apps/server): create a validation through the API, open its
 * capture URL in Chromium with a fake camera, let the page take and send the photo, and check that
 * the browser lands on the redirect URL with a result token that verifies against the server's JWKS.
 *
 * Active liveness (issue 14), on the demo's flows (active, like every new flow): a genuine webcam clip
 * answers a challenge that the test-only FACEPROOF_TEST_CHALLENGE_STEPS fixes to the clip's movements
 * (the server refuses that setting outside NODE_ENV=test), and its result token verifies; a flat photo
 * moved in front of the camera is refused although it answers the same known challenge; one still
 * sent to an active flow gets the documented ACTIVE_LIVENESS_REQUIRED. The single-photo journey runs
 * on passive flows of its own.
 *
 * Until the server registers this plugin itself (`/capture/:id` answering 404), the page is served by
 * this package on another loopback port with `apiBaseUrl` pointing at the server, which then needs
 * `CORS_ORIGINS` for that origin: the same deployment as a page hosted apart from the API.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Fastify, { type FastifyInstance } from 'fastify';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { capturePlugin } from '../dist/index.js';
import { en } from '../src/messages/en.js';
import { launch, newContext } from './support/browser.js';
import { flatPhotoVideo, genuineClipVideo } from './support/liveness-videos.js';

/** Two steps of franck.mp4 (look down, turn right) that the engine accepts as a live head. */
const GENUINE_CLIP = 'franck-158_2';

const SERVER_DIR = path.resolve(import.meta.dirname, '../../server');
const SERVER_BUILT = existsSync(path.join(SERVER_DIR, 'dist', 'server.js'));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

const TITLE = SERVER_BUILT
  ? 'capture page against the real server'
  : 'capture page against the real server (skipped: apps/server/dist is not built; run pnpm --filter @faceproof/server build)';

describe.skipIf(!SERVER_BUILT)(TITLE, () => {
  let dataDir: string;
  let server: ChildProcess | undefined;
  let serverLog = '';
  let api: string;
  let host: FastifyInstance;
  let hostOrigin: string;
  let browser: Browser;
  let genuine: Browser;
  let flat: Browser;
  let demo: {
    project: string;
    collection: string;
    loginFlow: string;
    onboardingFlow: string;
    clientAccessToken: string;
  };
  /** Passive flows of the test's own, for the single-photo journey. */
  let passive: { loginFlow: string; onboardingFlow: string };
  let videosDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'faceproof-capture-e2e-'));
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    host = Fastify();
    await host.register(capturePlugin, { apiBaseUrl: api });
    host.get('/welcome', async (_req, reply) =>
      reply.type('text/html').send('<!doctype html><title>Welcome</title>'),
    );
    hostOrigin = await host.listen({ host: '127.0.0.1', port: 0 });
    videosDir = await mkdtemp(path.join(tmpdir(), 'faceproof-liveness-videos-'));
    const [{ clip, file: genuineVideo }, flatVideo] = await Promise.all([
      genuineClipVideo(GENUINE_CLIP, videosDir),
      flatPhotoVideo('franck', videosDir),
    ]);
    const env = {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      FACEPROOF_DATA_DIR: dataDir,
      CORS_ORIGINS: hostOrigin,
      LOG_LEVEL: 'warn',
      ENGINE_WORKERS: '1',
      NODE_ENV: 'test',
      FACEPROOF_TEST_CHALLENGE_STEPS: clip.steps.join(','),
    };
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.join(SERVER_DIR, 'bin', 'faceproof.js'), 'demo', '--json'],
      { env, timeout: 60_000 },
    );
    demo = JSON.parse(stdout);
    server = spawn(process.execPath, [path.join(SERVER_DIR, 'dist', 'server.js')], { env, stdio: 'pipe' });
    server.stdout?.on('data', (d) => {
      serverLog += d;
    });
    server.stderr?.on('data', (d) => {
      serverLog += d;
    });
    [browser, genuine, flat] = await Promise.all([
      launch(inject('faceVideo')),
      launch(genuineVideo),
      launch(flatVideo),
    ]);
    // The warm-up (face models loaded) ends when /readyz turns 200: polled up to a deadline that
    // leaves the hook time to report why.
    const deadline = Date.now() + 90_000;
    for (;;) {
      const ok = await fetch(`${api}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline || server.exitCode !== null)
        throw new Error(`the server did not get ready:\n${serverLog}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const flow = async (type: 'login' | 'onboarding') => {
      const res = await call('POST', '/v2/project-flows', {
        project: demo.project,
        type,
        status: 'active',
        assignedCollection: demo.collection,
        livenessMode: 'passive',
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.data._id as string;
    };
    passive = { loginFlow: await flow('login'), onboardingFlow: await flow('onboarding') };
  }, 180_000);

  async function call(method: string, p: string, body?: unknown, token = demo.clientAccessToken) {
    const res = await fetch(`${api}${p}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: await res.json() };
  }

  afterAll(async () => {
    await Promise.all([browser, genuine, flat].map((b) => b?.close()));
    if (videosDir) await rm(videosDir, { recursive: true, force: true });
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server?.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    await host?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function createValidation(
    type: 'onboarding' | 'login',
    identifier: string,
    flows: { loginFlow: string; onboardingFlow: string } = passive,
  ): Promise<string> {
    return (await validationOf(type, identifier, flows)).address;
  }

  async function validationOf(
    type: 'onboarding' | 'login',
    identifier: string,
    flows: { loginFlow: string; onboardingFlow: string },
  ) {
    const res = await fetch(`${api}/v2/biometric-validations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${demo.clientAccessToken}` },
      body: JSON.stringify({
        project: demo.project,
        projectFlow: type === 'login' ? flows.loginFlow : flows.onboardingFlow,
        identifier,
        type,
        redirectUrl: `${hostOrigin}/welcome`,
      }),
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    const token: string = body.data.token;
    const id: string = body.data.biometricValidation._id;
    const url = new URL(body.data.biometricValidation.url);
    expect(url.hash).toMatch(/^#token=/);
    // Served by the server itself once it registers the plugin; by this package's host until then.
    const served = await fetch(new URL(url.pathname, api));
    const address = served.ok ? url.href : `${hostOrigin}${url.pathname}${url.search}${url.hash}`;
    return { address, token, id };
  }

  /**
   * Opens the page of an active flow, starts the camera, and presses Start as the fake camera's video
   * comes out of its black mark (Chromium loops the file; the mark is its beginning), from inside the
   * page so that no round trip delays it.
   */
  async function runChallenge(page: Page, address: string, startOnMark = true): Promise<void> {
    await page.goto(address);
    await page.waitForFunction(() => document.documentElement.classList.contains('ready'));
    expect(await page.getByRole('button', { name: en.usePhoto }).filter({ visible: true }).count()).toBe(0);
    await page.getByRole('button', { name: en.startCamera }).click();
    await page.waitForFunction(() => !(document.getElementById('btn-capture') as HTMLButtonElement).disabled);
    if (!startOnMark) {
      await page.getByRole('button', { name: en.activeStart }).click();
      return;
    }
    await page.evaluate(
      () =>
        new Promise<void>((resolve) => {
          const video = document.getElementById('video') as HTMLVideoElement;
          const canvas = document.createElement('canvas');
          canvas.width = 16;
          canvas.height = 12;
          const ctx = canvas.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
          // Black for a run of frames (not the empty canvas of a video that has not drawn yet), then not.
          let black = 0;
          const tick = () => {
            if (video.readyState < 2 || video.videoWidth === 0) {
              requestAnimationFrame(tick);
              return;
            }
            ctx.drawImage(video, 0, 0, 16, 12);
            const d = ctx.getImageData(0, 0, 16, 12).data;
            let sum = 0;
            for (let i = 0; i < d.length; i += 4) sum += (d[i] ?? 0) + (d[i + 1] ?? 0) + (d[i + 2] ?? 0);
            const mean = sum / (d.length / 4) / 3;
            if (mean < 16) black++;
            else if (black >= 5) {
              (document.getElementById('btn-capture') as HTMLButtonElement).click();
              resolve();
              return;
            } else black = 0;
            requestAnimationFrame(tick);
          };
          tick();
        }),
    );
  }

  async function captureAndLand(page: Page, address: string): Promise<URL> {
    await page.goto(address);
    await page.getByRole('button', { name: en.startCamera }).click();
    await page.waitForFunction(() => !(document.getElementById('btn-capture') as HTMLButtonElement).disabled);
    await page.getByRole('button', { name: en.capture }).click();
    // Whichever comes first; the other wait is left to fail quietly once the page moves on.
    const landed = page.waitForURL(/\/welcome\?token=/, { timeout: 30_000 }).then(
      () => 'landed',
      (e) => `not landed: ${e}`,
    );
    const failed = page
      .locator('#result-title')
      .waitFor({ state: 'visible', timeout: 30_000 })
      .then(
        async () => `result screen: ${await page.locator('#s-result').textContent()}`,
        (e) => `no result screen: ${e}`,
      );
    const outcome = await Promise.race([landed, failed]);
    expect(outcome).toBe('landed');
    return new URL(page.url());
  }

  it('enrols with onboarding, then logs in: each lands on the redirect URL with a token the JWKS verifies', async () => {
    const identifier = `capture-e2e-${Date.now()}`;
    const jwks = createRemoteJWKSet(new URL('/.well-known/jwks.json', api));
    const context = await newContext(browser);
    const page = await context.newPage();

    for (const type of ['onboarding', 'login'] as const) {
      const landed = await captureAndLand(page, await createValidation(type, identifier));
      const token = landed.searchParams.get('token') ?? '';
      const { payload, protectedHeader } = await jwtVerify(token, jwks, { audience: 'faceproof:result' });
      expect(protectedHeader.alg).toBe('ES256');
      expect(payload.sub).toBe(identifier);
    }
    await context.close();
  }, 90_000);

  describe('active liveness', () => {
    it('a genuine clip answers the challenge fixed to its movements, and the result token verifies', async () => {
      const identifier = `live-e2e-${Date.now()}`;
      const v = await validationOf('onboarding', identifier, demo);
      const context = await newContext(genuine);
      const page = await context.newPage();
      await runChallenge(page, v.address);
      const landed = page.waitForURL(/\/welcome\?token=/, { timeout: 60_000 }).then(
        () => 'landed',
        (e) => `not landed: ${e}`,
      );
      const failed = page
        .locator('#result-title')
        .waitFor({ state: 'visible', timeout: 60_000 })
        .then(
          async () => `result screen: ${await page.locator('#s-result').textContent()}`,
          (e) => `no result screen: ${e}`,
        );
      const outcome = await Promise.race([landed, failed]);
      const stored = await call('GET', `/v2/biometric-validations/${v.id}`);
      expect(outcome, JSON.stringify(stored.body.data?.livenessSession?.livenessResult)).toBe('landed');
      const token = new URL(page.url()).searchParams.get('token') ?? '';
      const jwks = createRemoteJWKSet(new URL('/.well-known/jwks.json', api));
      const { payload } = await jwtVerify(token, jwks, { audience: 'faceproof:result', issuer: 'faceproof' });
      expect(payload).toMatchObject({ sub: identifier, livenessMethod: 'active' });
      const attempt = stored.body.data.livenessSession.livenessResult.at(-1);
      expect(attempt.liveness).toMatchObject({ method: 'active', live: true });
      await context.close();
    }, 120_000);

    it('a flat photo moved in front of the camera is refused, although it answers the same known challenge', async () => {
      const v = await validationOf('onboarding', `flat-e2e-${Date.now()}`, demo);
      const context = await newContext(flat);
      const page = await context.newPage();
      await runChallenge(page, v.address, false);
      const title = page.locator('#result-title');
      await title.waitFor({ state: 'visible', timeout: 60_000 });
      const stored = await call('GET', `/v2/biometric-validations/${v.id}`);
      const attempt = stored.body.data.livenessSession.livenessResult.at(-1);
      expect(await title.textContent(), JSON.stringify(attempt)).toBe(en.activeFailedTitle);
      expect(attempt.liveness).toMatchObject({ method: 'active', live: false });
      expect(stored.body.data.biometricValidation.status).toBe('new');
      await context.close();
    }, 120_000);

    it('a single still sent to an active flow gets the documented ACTIVE_LIVENESS_REQUIRED', async () => {
      const v = await validationOf('onboarding', `still-e2e-${Date.now()}`, demo);
      const still = await readFile(inject('facePhoto'));
      const res = await call(
        'POST',
        '/v2/biometric-validations/validate',
        { image: `data:image/png;base64,${still.toString('base64')}` },
        v.token,
      );
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        code: 'ACTIVE_LIVENESS_REQUIRED',
        message: 'ACTIVE_LIVENESS_REQUIRED',
      });
      expect(res.body.details[0].message).toContain('liveness-challenge');
      expect(res.body.attemptsRemaining).toBeUndefined();
    });
  });
});
