// Packs the client as it would be published (`pnpm pack`, which resolves `catalog:` versions) and
// checks the tarball: publint (exports, files, types) and @arethetypeswrong/cli (types resolve for
// every ESM consumer). Prints the tarball path last, for scripts that want it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const pkgDir = fileURLToPath(new URL('../', import.meta.url));
const bin = (name) => `${pkgDir}node_modules/.bin/${name}`;

export function pack(dest = `${pkgDir}.pack`) {
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  execFileSync('pnpm', ['pack', '--pack-destination', dest], {
    cwd: pkgDir,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const tgz = readdirSync(dest).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error('pnpm pack produced no tarball');
  return `${dest}/${tgz}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const tarball = pack();
  execFileSync(bin('publint'), ['run', tarball, '--strict'], { cwd: pkgDir, stdio: 'inherit' });
  // ESM only, on purpose: the `node10` and CommonJS-require resolutions do not apply.
  execFileSync(bin('attw'), [tarball, '--profile', 'esm-only', '--format', 'table-flipped'], {
    cwd: pkgDir,
    stdio: 'inherit',
  });
  console.log(tarball);
}
