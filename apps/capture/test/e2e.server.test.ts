/**
 * End to end against the real server (apps/server): create a validation through the API, open its
 * capture URL in Chromium with a fake camera, let the page take and send the photo, and check that
 * the browser lands on the redirect URL with a result token that verifies against the server's JWKS.
 *
 * Until the server registers this plugin itself (`/capture/:id` answering 404), the page is served by
 * this package on another loopback port with `apiBaseUrl` pointing at the server, which then needs
 * `CORS_ORIGINS` for that origin: the same deployment as a page hosted apart from the API.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
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
  let demo: { project: string; loginFlow: string; onboardingFlow: string; clientAccessToken: string };

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
    const env = {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      FACEPROOF_DATA_DIR: dataDir,
      CORS_ORIGINS: hostOrigin,
      LOG_LEVEL: 'warn',
      ENGINE_WORKERS: '1',
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
    browser = await launch(inject('faceVideo'));
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
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server?.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    await host?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function createValidation(type: 'onboarding' | 'login', identifier: string): Promise<string> {
    const res = await fetch(`${api}/v2/biometric-validations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${demo.clientAccessToken}` },
      body: JSON.stringify({
        project: demo.project,
        projectFlow: type === 'login' ? demo.loginFlow : demo.onboardingFlow,
        identifier,
        type,
        redirectUrl: `${hostOrigin}/welcome`,
      }),
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    const url = new URL(body.data.biometricValidation.url);
    expect(url.hash).toMatch(/^#token=/);
    // Served by the server itself once it registers the plugin; by this package's host until then.
    const served = await fetch(new URL(url.pathname, api));
    return served.ok ? url.href : `${hostOrigin}${url.pathname}${url.search}${url.hash}`;
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
});
