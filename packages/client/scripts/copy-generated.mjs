// Copies the TypeScript @faceproof/openapi generated from the spec (openapi-typescript output, the
// error-code table and the webhook event names) into src/generated/, which tsc then compiles into
// dist/. The client is published and its consumers do not have the private @faceproof/openapi, so
// its dist must carry its own compiled copy; generating them happens once, in @faceproof/openapi's
// build. src/generated/ is git-ignored and never edited: every build writes it afresh.
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const generated = new URL('generated/', pathToFileURL(require.resolve('@faceproof/openapi/package.json')));
const outDir = new URL('../src/generated/', import.meta.url);
const files = ['schema.ts', 'error-codes.ts', 'webhook-events.ts'];

await rm(outDir, { recursive: true, force: true });
await mkdir(outDir, { recursive: true });
for (const file of files) await copyFile(new URL(file, generated), new URL(file, outDir));
console.log(`copied ${files.join(', ')} from @faceproof/openapi into ${fileURLToPath(outDir)}`);
