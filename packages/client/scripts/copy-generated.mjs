// Copies the types @faceproof/openapi generated from the spec (openapi-typescript output and the
// error-code table) into src/generated/, which tsc then compiles into dist/. The client is
// published and its consumers do not have the private @faceproof/openapi, so its dist must carry
// its own compiled copy; generating them happens once, in @faceproof/openapi's build.
// It also writes webhook-events.ts, the event names of the spec's `webhooks:` as a runtime list:
// the generated `webhooks` interface is types only, and verifyWebhook must refuse a signed event
// this client has no type for rather than mistype it.
// src/generated/ is git-ignored and never edited: every build writes it afresh.
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { loadBundle, webhookOperations } from '@faceproof/openapi';

const require = createRequire(import.meta.url);
const outDir = new URL('../src/generated/', import.meta.url);
const files = ['schema.ts', 'error-codes.ts'];

await rm(outDir, { recursive: true, force: true });
await mkdir(outDir, { recursive: true });
for (const file of files)
  await copyFile(require.resolve(`@faceproof/openapi/generated/${file}`), new URL(file, outDir));

const eventTypes = webhookOperations(loadBundle()).map((o) => o.path);
await writeFile(
  new URL('webhook-events.ts', outDir),
  "// Written by scripts/copy-generated.mjs from the keys of the bundled spec's `webhooks:`. Do not edit.\n\n" +
    "/** The event names of the spec's `webhooks:` section, in its order. */\n" +
    `export const webhookEventTypes = ${JSON.stringify(eventTypes)} as const;\n`,
);
console.log(
  `copied ${files.join(', ')} from @faceproof/openapi and wrote webhook-events.ts into ${fileURLToPath(outDir)}`,
);
