/**
 * `pnpm eval`: genuine/impostor score distributions, FMR/FNMR at thresholds, 1:N top-1, liveness on real
 * photos vs synthetic attacks. Writes eval-results/eval.json and EVALUATION.md (committed: it documents
 * the calibration in src/calibration.ts).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../engine.js';
import { ensureFixtures } from '../fixtures.js';
import { TEMPLATE_MODELS } from '../models.js';
import type { FaceAnalysis } from '../types.js';
import { ATTACKS } from './attacks.js';
import { buildCases } from './liveness.js';
import { livenessSection } from './liveness-report.js';
import { evaluateRecognition, stats } from './recognition.js';
import { recognitionFigures, recognitionLimits, recognitionMarkdown } from './report.js';

const PKG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LIVE_THRESHOLDS = [0.3, 0.5, 0.7];

const fx = await ensureFixtures();
const engine = await createEngine();
const rel = (f: string) => path.relative(fx.dir, f);
const fmt = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');

// ---------------------------------------------------------------- templates
interface Sample {
  id: string;
  file: string;
  sameSession: boolean;
  faceres: Float32Array;
  liveness: number;
  antispoof: number;
  live: number;
  gated: string | null;
}
const samples: Sample[] = [];
const failures: { file: string; reason: string }[] = [];
for (const [id, { files, sameSession }] of Object.entries(fx.identities)) {
  for (const file of files) {
    const bytes = await readFile(file);
    const gated = await engine.analyze(bytes);
    const r: FaceAnalysis = gated.ok ? gated : await engine.analyze(bytes, { skipQualityChecks: true });
    if (!r.ok) {
      failures.push({ file: rel(file), reason: r.reason });
      continue;
    }
    samples.push({
      id,
      file,
      sameSession,
      faceres: r.templates[TEMPLATE_MODELS.faceres.id] as Float32Array,
      liveness: r.liveness.score,
      antispoof: r.liveness.components.antispoof,
      live: r.liveness.components.liveness,
      gated: gated.ok ? null : gated.reason,
    });
  }
}

// ---------------------------------------------------------------- fused vs shipped descriptor graph
// The engine runs faceres with its conv + batch-norm + ReLU6 chains fused (src/model-fuse.ts); check on every
// photo that the shipped graph gives the same template, so the figures below hold for both.
const shipped = await createEngine({ workers: 1, fuseDescriptor: false });
let fusedMinCos = 1;
let fusedCompared = 0;
for (const sm of samples) {
  const r = await shipped.analyze(await readFile(sm.file), { skipQualityChecks: true });
  if (!r.ok) continue;
  const t = r.templates[TEMPLATE_MODELS.faceres.id] as Float32Array;
  let cos = 0;
  for (let i = 0; i < t.length; i++) cos += (t[i] as number) * (sm.faceres[i] as number);
  fusedMinCos = Math.min(fusedMinCos, cos);
  fusedCompared++;
}
await shipped.close();

// ---------------------------------------------------------------- recognition
const recognition = await evaluateRecognition(engine, fx);

// ---------------------------------------------------------------- liveness
const liveReal = samples.map((s) => ({
  file: rel(s.file),
  score: s.liveness,
  antispoof: s.antispoof,
  live: s.live,
}));
const attackRows: { attack: string; file: string; outcome: string; score: number }[] = [];
let k = 0;
for (const s of samples) {
  const src = await readFile(s.file);
  for (const [name, fn] of Object.entries(ATTACKS)) {
    const buf = await fn(src, k++);
    const r = await engine.analyze(buf, { skipQualityChecks: true });
    attackRows.push({
      attack: name,
      file: rel(s.file),
      outcome: r.ok ? 'face' : r.reason,
      score: r.ok ? r.liveness.score : Number.NaN,
    });
  }
}
const attackNames = Object.keys(ATTACKS);
const liveTable = LIVE_THRESHOLDS.map((t) => {
  const bpcer = liveReal.filter((r) => r.score < t).length;
  const per = Object.fromEntries(
    attackNames.map((a) => {
      const rows = attackRows.filter((r) => r.attack === a && Number.isFinite(r.score));
      return [a, { accepted: rows.filter((r) => r.score >= t).length, n: rows.length }];
    }),
  );
  return { threshold: t, realRejected: bpcer, realN: liveReal.length, attacksAccepted: per };
});

const artefacts: { file: string; outcome: string; liveness?: number }[] = [];
for (const f of fx.artefacts) {
  const r = await engine.analyze(await readFile(f));
  artefacts.push({
    file: rel(f),
    outcome: r.ok ? 'accepted' : r.reason,
    ...(r.ok ? { liveness: r.liveness.score } : {}),
  });
}
await engine.close();

// ---------------------------------------------------------------- report
const result = {
  fusedDescriptor: { photos: fusedCompared, minCosineToShipped: fusedMinCos },
  date: new Date().toISOString(),
  engine: engine.info,
  photos: samples.length,
  extractionFailures: failures,
  gatedButUsed: samples.filter((s) => s.gated).map((s) => ({ file: rel(s.file), reason: s.gated })),
  recognition: { ...recognition, pairs: undefined },
  liveness: {
    real: stats(liveReal.map((r) => r.score)),
    attacks: Object.fromEntries(
      attackNames.map((a) => [
        a,
        {
          ...stats(attackRows.filter((r) => r.attack === a && Number.isFinite(r.score)).map((r) => r.score)),
          noFaceOrRejected: attackRows.filter((r) => r.attack === a && !Number.isFinite(r.score)).length,
        },
      ]),
    ),
    table: liveTable,
    artefacts,
  },
};
// Active liveness on real video (src/eval/liveness.ts; its analyses are cached under .fixtures/cache/).
const liveEngine = await createEngine({ workers: 2 });
const active = await buildCases(liveEngine, (m) => console.error(`liveness cases: ${m}`))
  .then(livenessSection)
  .finally(() => liveEngine.close());
await mkdir(path.join(PKG, 'eval-results'), { recursive: true });
await writeFile(
  path.join(PKG, 'eval-results', 'eval.json'),
  `${JSON.stringify({ ...result, activeLiveness: active.json }, null, 2)}\n`,
);
await writeFile(path.join(PKG, 'eval-results', 'pairs.json'), `${JSON.stringify(recognition.pairs)}\n`);
for (const [file, svg] of Object.entries(recognitionFigures(recognition)))
  await writeFile(path.join(PKG, file), svg);

const md = `# Face engine evaluation

Generated by \`pnpm --filter @faceproof/face-engine eval\` on ${result.date.slice(0, 10)} (engine ${engine.info.name} ${engine.info.version}, default template ${engine.info.templateModel}, ${engine.info.templateDim}-d).
Raw numbers: \`eval-results/eval.json\` and \`eval-results/pairs.json\` (not committed).
faceres runs with conv + batch-norm + ReLU6 fused at load time (src/model-fuse.ts); on all ${fusedCompared} photos its template and the shipped graph's differ by at most 1 − cosine = ${Math.max(0, 1 - fusedMinCos).toExponential(1)} (float rounding), so every faceres figure below holds for both.

${recognitionMarkdown(recognition, fx)}

## Liveness (passive, single image)

Score = geometric mean of Human's antispoof and liveness model outputs. Real photos: n=${result.liveness.real.n}, min ${fmt(result.liveness.real.min)}, median ${fmt(result.liveness.real.p50)}, max ${fmt(result.liveness.real.max)}.
Synthetic attacks generated from the same photos with sharp (src/eval/attacks.ts): print on card, screen (sub-pixel stripes + moiré), halftone, re-photographed (blur, glare, JPEG).

| attack | n scored | not detected | min | median | max |
| --- | ---: | ---: | ---: | ---: | ---: |
${attackNames
  .map((a) => {
    const s = result.liveness.attacks[a] as ReturnType<typeof stats> & { noFaceOrRejected: number };
    return `| ${a} | ${s.n} | ${s.noFaceOrRejected} | ${fmt(s.min)} | ${fmt(s.p50)} | ${fmt(s.max)} |`;
  })
  .join('\n')}

| liveness threshold | real rejected (BPCER) | ${attackNames.map((a) => `${a} accepted (APCER)`).join(' | ')} |
| ---: | --- | ${attackNames.map(() => '---').join(' | ')} |
${liveTable.map((r) => `| ${r.threshold} | ${r.realRejected}/${r.realN} | ${attackNames.map((a) => `${r.attacksAccepted[a]?.accepted}/${r.attacksAccepted[a]?.n}`).join(' | ')} |`).join('\n')}

Face-like artefacts: ${artefacts.map((a) => `${a.file}: ${a.outcome}${a.liveness !== undefined ? ` (liveness ${fmt(a.liveness)})` : ''}`).join('; ')}.

${active.markdown}
## Limits of this evaluation

This is a sanity check, not a biometric certification. ${recognitionLimits(recognition)} The liveness attacks are synthetic image transforms, not real printed or replayed presentations, and the real photos are themselves photos of photos from the web; a passive single-image score should be treated as one weak signal, never as proof of liveness. Before relying on the 0.85/0.9 thresholds in production, measure on a larger labelled set from the deployment's own capture conditions. The active liveness section has its own limits paragraph.
`;
await writeFile(path.join(PKG, 'EVALUATION.md'), md);
console.log(md);
