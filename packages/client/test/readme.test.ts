// The README cannot drift: every ```ts block is written out as a module, typechecked against the
// built package (imported by its own name) and run against the Prism mock; so are the blocks of the
// docs site's webhook guide that use the client, and the webhook handlers answer a real signed
// delivery. The error table is checked against the codes the spec declares.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { Contract, requestExamples } from '@faceproof/openapi';
import { Webhook } from 'standardwebhooks';
import { describe, expect, inject, it } from 'vitest';
import { errorCodes } from '../src/index.js';

const contract = new Contract();
const run = promisify(execFile);
const pkgDir = new URL('../', import.meta.url).pathname;
const outDir = `${pkgDir}test/.readme/`;
const readme = readFileSync(`${pkgDir}README.md`, 'utf8');
const tsBlocks = (markdown: string) =>
  [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string);
const blocks = tsBlocks(readme);
const guideBlocks = tsBlocks(readFileSync(`${pkgDir}../../apps/docs/guides/webhooks.md`, 'utf8')).filter(
  (b) => b.includes("from '@faceproof/client'"),
);

describe('README', () => {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const files = [...blocks, ...guideBlocks].map((code, i) => {
    const file = i < blocks.length ? `snippet-${i + 1}.ts` : `guide-webhooks-${i + 1 - blocks.length}.ts`;
    writeFileSync(
      `${outDir}${file}`,
      `${code.replaceAll('https://faceproof.example.com', inject('prismUrl'))}\nexport {};\n`,
    );
    return file;
  });
  writeFileSync(
    `${outDir}tsconfig.json`,
    JSON.stringify({
      extends: '../../tsconfig.json',
      compilerOptions: { noEmit: true, allowImportingTsExtensions: true },
      include: ['*.ts'],
    }),
  );
  writeFileSync(`${outDir}face.jpg`, new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70]));

  it('has a snippet for each of the three operations and each section', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(7);
    for (const call of ['biometricValidations.create', '.validate(', '.validateFace(']) {
      expect(blocks.some((b) => b.includes(call))).toBe(true);
    }
  });

  it('typechecks every snippet', async () => {
    const tsc = `${pkgDir}node_modules/.bin/tsc`;
    await run(tsc, ['-p', `${outDir}tsconfig.json`]).catch((e: { stdout: string }) => {
      throw new Error(`README snippets do not typecheck:\n${e.stdout}`);
    });
  }, 60_000);

  it.each(blocks.map((_, i) => [i + 1]))('runs snippet %i against the mock', async (n) => {
    const { stderr } = await run(process.execPath, [files[n - 1] as string], {
      cwd: outDir,
      timeout: 30_000,
    });
    expect(stderr).not.toMatch(/Error/);
  });

  it.each(guideBlocks.map((_, i) => [i + 1]))('runs the webhook guide snippet %i', async (n) => {
    const { stderr } = await run(process.execPath, [`guide-webhooks-${n}.ts`], {
      cwd: outDir,
      timeout: 30_000,
    });
    expect(stderr).not.toMatch(/Error/);
  });

  it('answers a signed delivery with each webhook handler snippet, and refuses a tampered one', async () => {
    const handlers = [...blocks, ...guideBlocks].flatMap((code, i) =>
      code.includes('export async function onWebhook') ? [{ code, file: files[i] as string }] : [],
    );
    expect(handlers.length).toBe(2); // the README's and the guide's
    const example = contract.webhooks.flatMap((o) => requestExamples(contract.spec, o))[0];
    const body = JSON.stringify(example?.value);
    for (const { code, file } of handlers) {
      const secret = code.match(/whsec_[A-Za-z0-9+/=]+/)?.[0] ?? `whsec_${btoa('a key of the guide')}`;
      const { onWebhook } = (await import(`${outDir}${file}`)) as {
        onWebhook: (request: Request, secret: string) => Promise<Response>;
      };
      const at = new Date();
      const headers = {
        'webhook-id': 'msg_readme',
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign('msg_readme', at, body),
      };
      const post = (text: string) =>
        onWebhook(
          new Request('http://receiver.example.invalid/', { method: 'POST', body: text, headers }),
          secret,
        );
      expect((await post(body)).status, file).toBe(204);
      expect((await post(body.replace('"data":{', '"data":{"extra":1,'))).status, file).toBe(400);
    }
  });

  it('lists exactly the error codes the spec declares in its table', () => {
    const rows = [...readme.matchAll(/^\|\s*(\d{3})\s*\|(.*)\|$/gm)];
    const ops = [
      'createBiometricValidation',
      'validateBiometricValidation',
      'createAppRegistrationBiometricValidation',
    ] as const;
    for (const [, status, rest] of rows) {
      if (status === '200') continue;
      const cells = (rest as string).split('|').map((c) => [...c.matchAll(/`([^`]+)`/g)].map((m) => m[1]));
      ops.forEach((op, i) => {
        const declared = (errorCodes[op] as Record<string, readonly string[]>)[status as string] ?? [];
        expect({ op, status, codes: cells[i] }).toEqual({ op, status, codes: [...declared] });
      });
    }
    const statuses = new Set(ops.flatMap((op) => Object.keys(errorCodes[op])));
    expect(
      rows
        .map((r) => r[1])
        .filter((s) => s !== '200')
        .sort(),
    ).toEqual([...statuses].sort());
  });
});
