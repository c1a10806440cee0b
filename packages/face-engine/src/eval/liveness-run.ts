/**
 * `node dist/eval/liveness-run.js`: the active-liveness evaluation alone (what `pnpm eval` adds to
 * EVALUATION.md), written to eval-results/liveness.{md,json}. Cached analyses make re-runs cheap.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../engine.js';
import { ensureFixtures } from '../fixtures.js';
import { buildCases } from './liveness.js';
import { livenessSection } from './liveness-report.js';

const PKG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

await ensureFixtures();
const engine = await createEngine({ workers: 2 });
try {
  const cases = await buildCases(engine, (m) => console.error(m));
  const { markdown, json } = livenessSection(cases);
  await mkdir(path.join(PKG, 'eval-results'), { recursive: true });
  await writeFile(path.join(PKG, 'eval-results', 'liveness.json'), `${JSON.stringify(json, null, 2)}\n`);
  await writeFile(path.join(PKG, 'eval-results', 'liveness.md'), markdown);
  console.log(markdown);
} finally {
  await engine.close();
}
