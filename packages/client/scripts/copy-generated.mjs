// Copies the types @faceproof/openapi generated from the spec (openapi-typescript output and the
// error-code table) into src/generated/, which tsc then compiles into dist/. The client is
// published and its consumers do not have the private @faceproof/openapi, so its dist must carry
// its own compiled copy; generating them happens once, in @faceproof/openapi's build.
// src/generated/ is git-ignored and never edited: every build copies it afresh.
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const outDir = new URL('../src/generated/', import.meta.url);
const files = ['schema.ts', 'error-codes.ts'];

await rm(outDir, { recursive: true, force: true });
await mkdir(outDir, { recursive: true });
for (const file of files)
  await copyFile(require.resolve(`@faceproof/openapi/generated/${file}`), new URL(file, outDir));
console.log(`copied ${files.join(', ')} from @faceproof/openapi into ${fileURLToPath(outDir)}`);
