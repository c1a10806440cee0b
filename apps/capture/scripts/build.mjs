// Builds the page's script and style with esbuild into content-hashed files under dist/web/,
// then compiles the Fastify plugin with tsc into dist/.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist', 'web');
rmSync(path.join(root, 'dist'), { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const common = {
  bundle: true,
  minify: true,
  write: false,
  legalComments: 'none',
  // Phones a few years old: Safari 15 (iOS 15) and Chrome 96.
  target: ['es2020', 'safari15', 'chrome96'],
  logLevel: 'warning',
};
const [js, css] = await Promise.all([
  build({
    ...common,
    entryPoints: [path.join(root, 'src/web/main.ts')],
    format: 'iife',
    platform: 'browser',
  }),
  build({ ...common, entryPoints: [path.join(root, 'src/web/styles.css')] }),
]);

const manifest = {};
for (const [kind, result] of [
  ['js', js],
  ['css', css],
]) {
  const bytes = result.outputFiles[0].contents;
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
  const name = `capture.${hash}.${kind}`;
  writeFileSync(path.join(out, name), bytes);
  manifest[kind] = name;
}
writeFileSync(path.join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], {
  cwd: root,
  stdio: 'inherit',
});
console.log(`capture: built ${manifest.js}, ${manifest.css}`);
