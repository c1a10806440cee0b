// The package as other teams get it: the `pnpm pack` tarball installed with npm into a fresh
// project outside the workspace, used from Node and, bundled by esbuild, from a page in headless
// Chromium, both against the Prism mock.
import { execFile } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { launchChromium } from '@faceproof/browser-testing';
import { Contract, requestExamples } from '@faceproof/openapi';
import { build } from 'esbuild';
import { beforeAll, describe, expect, inject, it } from 'vitest';
// @ts-expect-error plain JavaScript build script
import { pack } from '../scripts/check-package.mjs';

const run = promisify(execFile);
const prismUrl = inject('prismUrl');
const project = mkdtempSync(join(tmpdir(), 'faceproof-client-consumer-'));

// A delivery signed here with node:crypto, verified by the packed client in Node and in Chromium.
const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`;
const contract = new Contract();
const webhookBody = JSON.stringify(
  contract.webhooks.flatMap((o) => requestExamples(contract.spec, o))[0]?.value,
);
const webhookHeaders = {
  'webhook-id': 'msg_pack',
  'webhook-timestamp': '1736937120',
  'webhook-signature': `v1,${createHmac('sha256', Buffer.from(webhookSecret.slice(6), 'base64'))
    .update(`msg_pack.1736937120.${webhookBody}`)
    .digest('base64')}`,
};
const delivery = JSON.stringify({ secret: webhookSecret, body: webhookBody, headers: webhookHeaders });

const flow = `
import { createFaceproofClient, toImageDataUri, verifyWebhook } from '@faceproof/client';
async function webhook() {
  const delivery = ${delivery};
  const now = () => 1736937120000;
  const good = await verifyWebhook({ ...delivery, headers: new Headers(delivery.headers), now });
  const bad = await verifyWebhook({ ...delivery, body: delivery.body + ' ', now });
  return [good.ok && good.event.type, bad.code];
}
export async function loginFlow(baseUrl, image) {
  const fp = createFaceproofClient({ baseUrl, accessToken: 'client-token', timeout: 10000 });
  const created = await fp.biometricValidations.create({ project: 'p', projectFlow: 'f', identifier: 'u', type: 'login' });
  if (!created.ok) throw new Error('create failed: ' + created.status);
  const validated = await fp.session(created.data.data.token).validate({ image });
  const refused = await fp.session('t').validate({ image }, { headers: { Prefer: 'code=410' } });
  return { created: created.status, validated: validated.status, status: validated.data.data.status,
    refused: [refused.status, refused.code], uri: (await toImageDataUri(image)).slice(0, 23),
    webhook: await webhook() };
}
`;

beforeAll(async () => {
  const tarball = pack(join(project, 'tarball'));
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  await run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: project,
  });
  writeFileSync(join(project, 'flow.js'), flow);
}, 120_000);

describe('the packed tarball in a fresh project', () => {
  it('installs with only openapi-fetch as a dependency', () => {
    const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8'));
    const installed = Object.keys(lock.packages).filter((p) => p.startsWith('node_modules/'));
    expect(installed.sort()).toEqual([
      'node_modules/@faceproof/client',
      'node_modules/openapi-fetch',
      'node_modules/openapi-typescript-helpers',
    ]);
  });

  it('runs the login flow in Node, with the file helper from @faceproof/client/node', async () => {
    writeFileSync(join(project, 'face.jpg'), new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2]));
    writeFileSync(
      join(project, 'main.js'),
      `import { imageFromFile } from '@faceproof/client/node';
       import { loginFlow } from './flow.js';
       console.log(JSON.stringify(await loginFlow(process.argv[2], await imageFromFile('face.jpg'))));`,
    );
    const { stdout } = await run(process.execPath, ['main.js', prismUrl], { cwd: project });
    expect(JSON.parse(stdout)).toEqual({
      created: 200,
      validated: 200,
      status: 'completed',
      refused: [410, 'LIVENESS_SESSION_EXPIRED'],
      uri: 'data:image/jpeg;base64,',
      webhook: [JSON.parse(webhookBody).type, 'invalid_signature'],
    });
  });

  it('typechecks in the consumer project', async () => {
    writeFileSync(
      join(project, 'check.ts'),
      `import { createFaceproofClient, verifyWebhook } from '@faceproof/client';
       const fp = createFaceproofClient({ baseUrl: 'http://x' });
       const r = await fp.session('t').validate({ image: new Blob([]) });
       if (!r.ok && r.status === 410) { const c: 'LIVENESS_SESSION_EXPIRED' = r.code; void c; }
       // @ts-expect-error undeclared status
       if (!r.ok && r.status === 418) {}
       const w = await verifyWebhook({ secret: 'whsec_AAAA', body: '{}', headers: new Headers() });
       if (w.ok && w.event.type === 'biometric_validation_failed') { const n: number = w.event.data.attempts; void n; }
       // @ts-expect-error not an event of the spec
       if (w.ok && w.event.type === 'person_deleted') {}
       export {};`,
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'NodeNext',
          target: 'ES2023',
          lib: ['ES2023', 'DOM'],
          noEmit: true,
          skipLibCheck: false,
          types: [],
        },
        files: ['check.ts'],
      }),
    );
    const tsc = new URL('../node_modules/.bin/tsc', import.meta.url).pathname;
    await run(tsc, ['-p', project]).catch((e: { stdout: string }) => {
      throw new Error(e.stdout);
    });
  }, 60_000);

  it('runs bundled for the browser in headless Chromium, without node built-ins', async () => {
    writeFileSync(
      join(project, 'page.js'),
      `import { loginFlow } from './flow.js';
       const photo = new File([new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2])], 'face.jpg');
       loginFlow(window.PRISM, photo).then(
         (r) => { window.__result = r; document.body.textContent = JSON.stringify(r); },
         (e) => { window.__result = { error: String(e) }; document.body.textContent = String(e); });`,
    );
    const out = await build({
      entryPoints: [join(project, 'page.js')],
      absWorkingDir: project,
      bundle: true,
      format: 'esm',
      platform: 'browser',
      minify: true,
      write: false,
    });
    const js = out.outputFiles[0]?.text ?? '';
    expect(js).not.toMatch(/node:fs|readFile/);
    const server = createServer((req, res) => {
      if (req.url === '/page.js') res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(js);
      else
        res
          .writeHead(200, { 'Content-Type': 'text/html' })
          .end(
            `<!doctype html><title>client</title><body>running</body><script>window.PRISM=${JSON.stringify(prismUrl)}</script><script type="module" src="/page.js"></script>`,
          );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
      await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result, undefined, {
        timeout: 20_000,
      });
      const result = await page.evaluate(() => (window as unknown as { __result: unknown }).__result);
      await page.screenshot({
        path: new URL('../test-results/browser-client.png', import.meta.url).pathname,
      });
      expect(result).toEqual({
        created: 200,
        validated: 200,
        status: 'completed',
        refused: [410, 'LIVENESS_SESSION_EXPIRED'],
        uri: 'data:image/jpeg;base64,',
        webhook: [JSON.parse(webhookBody).type, 'invalid_signature'],
      });
    } finally {
      await browser.close();
      server.close();
    }
  }, 60_000);
});
