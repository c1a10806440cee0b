/**
 * `pnpm bench`: per-stage latency, pool throughput, memory, cold start, and 1:N search latency/recall
 * on synthetic templates. Prints a table and writes bench-results/bench.{json,md} (gitignored).
 * Env: BENCH_SECTIONS (default "pipeline,liveness,search"), BENCH_ITER (default 40), BENCH_MODELS (template
 * models analyze() runs, default "dlib,faceres"), BENCH_LIVENESS_CLIP, BENCH_LIVENESS_VARIANTS (how sequence
 * frames are analysed, key/template frame counts, default "default,3/3"),
 * BENCH_SEARCH_SIZES (default "10000,100000"; add 1000000 for the 1M run: its first build takes ~10-15 min on
 * 2 cores, later runs reopen the cached graph), BENCH_SEARCH_DATA (default "clustered,random"),
 * BENCH_SEARCH_RANDOM_MAX (default 100000), BENCH_SEARCH_REBUILD=1 (ignore cached graphs).
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { exactSearch, MetricKind } from 'usearch';
import type { TemplateModelName } from '../calibration.js';
import { createEngine, DEFAULT_KEY_FRAMES, DEFAULT_TEMPLATE_FRAMES } from '../engine.js';
import { HNSW_DEFAULTS, TemplateIndex } from '../face-index.js';
import {
  CLIP_FRAMES,
  clipFrames,
  ensureFixtures,
  LIVENESS_CLIPS,
  LIVENESS_STILLS,
  type LivenessClip,
  videoStill,
} from '../fixtures.js';
import { SEQUENCE_FRAME_MAX_SIDE } from '../human-runtime.js';
import { verifyLiveness } from '../liveness/verify.js';
import { LIVENESS_IDENTITY_MODEL } from '../models.js';
import type { FaceAnalysisOk, Timings } from '../types.js';
import { DIM, galleryVector, probeVector, type SyntheticKind } from './synthetic.js';

const PKG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ITER = Number(process.env.BENCH_ITER ?? 40);
const SIZES = (process.env.BENCH_SEARCH_SIZES ?? '10000,100000').split(',').map(Number).filter(Boolean);
const SECTIONS = new Set((process.env.BENCH_SECTIONS ?? 'pipeline,liveness,search').split(','));
/** The genuine clip the liveness section verifies (LIVENESS_CLIPS id). */
const LIVENESS_BENCH_CLIP = process.env.BENCH_LIVENESS_CLIP ?? 'franck-158_2';
const KINDS = (process.env.BENCH_SEARCH_DATA ?? 'clustered,random')
  .split(',')
  .filter((k): k is SyntheticKind => k === 'clustered' || k === 'random');
const RANDOM_MAX = Number(process.env.BENCH_SEARCH_RANDOM_MAX ?? 100_000);
const REBUILD = process.env.BENCH_SEARCH_REBUILD === '1';
/** efSearch values to measure on each graph (the graph is reopened from its cache for each). */
const EFS = (process.env.BENCH_SEARCH_EF ?? String(HNSW_DEFAULTS.efSearch))
  .split(',')
  .map(Number)
  .filter(Boolean);
/**
 * BENCH_LIVENESS_VARIANTS: how the sequence's frames are analysed, as key frames/template frames
 * ("3/2"), "default" (the engine's defaults) or "all" (every frame in full). Default "default,3/3".
 */
const LIVENESS_VARIANTS = (process.env.BENCH_LIVENESS_VARIANTS ?? 'default,3/3').split(',').map((v) => {
  if (v === 'all') return { label: 'all / all', keyFrames: 'all' as const, templateFrames: 0 };
  const [k, t] = v === 'default' ? [DEFAULT_KEY_FRAMES, DEFAULT_TEMPLATE_FRAMES] : v.split('/').map(Number);
  if (!Number.isInteger(k) || !Number.isInteger(t)) throw new Error(`BENCH_LIVENESS_VARIANTS: bad "${v}"`);
  return {
    label: `${k} / ${t}${v === 'default' ? ' (default)' : ''}`,
    keyFrames: k as number,
    templateFrames: t as number,
  };
});
/** BENCH_FUSE=0 runs the pipeline with faceres as shipped (before/after comparison of src/model-fuse.ts). */
const FUSE = process.env.BENCH_FUSE !== '0';
/** BENCH_MODELS: the template models analyze() runs (default "dlib,faceres", as a migrating server; "dlib" alone once no collection searches faceres). */
const MODELS = (process.env.BENCH_MODELS ?? 'dlib,faceres').split(',') as TemplateModelName[];
/** Search index under test (the TemplateIndex defaults unless BENCH_SEARCH_M / BENCH_SEARCH_EFC say otherwise). */
const HNSW = {
  ...HNSW_DEFAULTS,
  m: Number(process.env.BENCH_SEARCH_M ?? HNSW_DEFAULTS.m),
  efConstruction: Number(process.env.BENCH_SEARCH_EFC ?? HNSW_DEFAULTS.efConstruction),
} as const;

/** CPU time of the whole process so far (main thread and workers), ms. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const q = (v: number[], p: number) => {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))] ?? Number.NaN;
};
const f1 = (v: number) => v.toFixed(1);
const mb = (b: number) => Math.round(b / 1024 / 1024);
const rssPeak = () => process.resourceUsage().maxRSS * 1024;

const fx = await ensureFixtures();
const img640 = await sharp(fx.personA[0]).resize(640, 480, { fit: 'cover' }).jpeg({ quality: 90 }).toBuffer();
const report: Record<string, unknown> = {
  date: new Date().toISOString(),
  cores: availableParallelism(),
  // Other processes share this machine: the 1-minute load average says how noisy the figures are.
  loadavgStart: loadavg(),
};
const lines: string[] = [];
async function save(): Promise<string> {
  const md = `# face-engine benchmark (${report.date}, ${report.cores} cores, load average at start ${(report.loadavgStart as number[]).map((v) => v.toFixed(2)).join(' ')})\n\n${lines.join('\n')}\n`;
  await mkdir(path.join(PKG, 'bench-results'), { recursive: true });
  await writeFile(path.join(PKG, 'bench-results', 'bench.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(path.join(PKG, 'bench-results', 'bench.md'), md);
  return md;
}

// ------------------------------------------------------------- cold start + per-stage latency (1 worker)
if (SECTIONS.has('pipeline')) {
  const t0 = performance.now();
  const engine = await createEngine({ workers: 1, fuseDescriptor: FUSE, templateModels: MODELS });
  const ready = performance.now() - t0;
  const first = (await engine.analyze(img640)) as FaceAnalysisOk;
  const firstMs = performance.now() - t0 - ready;
  if (!first.ok) throw new Error(`bench image rejected: ${JSON.stringify(first)}`);
  for (let i = 0; i < 3; i++) await engine.analyze(img640);
  const stages: Record<keyof Timings, number[]> = {
    decode: [],
    detect: [],
    quality: [],
    liveness: [],
    embed: [],
    total: [],
  };
  const cpu0 = cpuMs();
  for (let i = 0; i < ITER; i++) {
    const r = (await engine.analyze(img640)) as FaceAnalysisOk;
    for (const k of Object.keys(stages) as (keyof Timings)[]) stages[k].push(r.timings[k]);
  }
  const cpuMsPerImage = (cpuMs() - cpu0) / ITER;
  await engine.close();
  const perStage = Object.fromEntries(
    Object.entries(stages).map(([k, v]) => [k, { median: q(v, 0.5), p95: q(v, 0.95) }]),
  );
  report.coldStart = { engineReadyMs: ready, firstAnalyzeMs: firstMs };
  report.latency640x480 = { iterations: ITER, perStage, cpuMsPerImage, loadavg1: loadavg()[0] };
  report.fuseDescriptor = FUSE;
  report.templateModels = MODELS;
  lines.push(
    `## Single image, 640x480 JPEG, one face, 1 worker (${ITER} runs, templates: ${MODELS.join(' + ')}, faceres ${FUSE ? 'fused' : 'as shipped'})`,
    '',
  );
  lines.push('| stage | median ms | p95 ms |', '| --- | ---: | ---: |');
  for (const [k, v] of Object.entries(perStage)) lines.push(`| ${k} | ${f1(v.median)} | ${f1(v.p95)} |`);
  lines.push(
    '',
    `CPU time per image (whole process, all threads): ${f1(cpuMsPerImage)} ms; 1-minute load average after: ${loadavg()[0]?.toFixed(2)}.`,
    '',
    `Cold start: engine ready (worker spawn + model load) ${f1(ready)} ms; first analysis ${f1(firstMs)} ms.`,
    '',
  );
}

// ------------------------------------------------------------- throughput with the pool
if (SECTIONS.has('pipeline')) {
  const workers = Math.min(2, availableParallelism());
  const engine = await createEngine({
    workers,
    maxQueue: 1000,
    fuseDescriptor: FUSE,
    templateModels: MODELS,
  });
  await Promise.all(Array.from({ length: workers * 2 }, () => engine.analyze(img640)));
  const n = Math.max(40, ITER * 2);
  const t0 = performance.now();
  const cpu0 = cpuMs();
  const res = await Promise.all(Array.from({ length: n }, () => engine.analyze(img640)));
  const secs = (performance.now() - t0) / 1000;
  const cpuMsPerImage = (cpuMs() - cpu0) / n;
  await engine.close();
  const okCount = res.filter((r) => r.ok).length;
  report.throughput = {
    workers,
    images: n,
    ok: okCount,
    seconds: secs,
    imagesPerSecond: n / secs,
    cpuMsPerImage,
    loadavg1: loadavg()[0],
  };
  lines.push(`## Throughput: ${workers} workers, ${n} images`, '');
  lines.push(
    `${f1(n / secs)} images/s (${okCount}/${n} analysed OK, ${f1(secs)} s); ${f1(cpuMsPerImage)} ms of CPU per image (on ${workers} free cores the ceiling is ${f1((workers * 1000) / cpuMsPerImage)} images/s); 1-minute load average after: ${loadavg()[0]?.toFixed(2)}.`,
    '',
  );
}
report.peakRssMB = mb(rssPeak());
lines.push(`Peak RSS of the process (main thread + workers) so far: ${mb(rssPeak())} MB.`, '');

// ------------------------------------------------------------- active liveness: one sequence + the still
if (SECTIONS.has('liveness')) {
  const clip = LIVENESS_CLIPS.find((c) => c.id === LIVENESS_BENCH_CLIP) as LivenessClip;
  const workers = Math.min(2, availableParallelism());
  const engine = await createEngine({
    workers,
    maxQueue: 1000,
    fuseDescriptor: FUSE,
    templateModels: MODELS,
  });
  // What the hosted capture page sends (apps/capture/src/web/camera.ts): frames 320 px on the long side,
  // the still 640 px wide; and both at 640 px (frames analysed at SEQUENCE_FRAME_MAX_SIDE).
  const sizes = [
    { label: `native ${clip.video} frames and still`, width: undefined, stillWidth: undefined },
    { label: 'frames 320 px, still 640 px (the capture page)', width: 320, stillWidth: 640 },
    {
      label: `frames and still 640 px (frames analysed at ${SEQUENCE_FRAME_MAX_SIDE} px)`,
      width: 640,
      stillWidth: 640,
    },
  ];
  lines.push(
    `## Active liveness: ${CLIP_FRAMES} frames + the still, ${workers} workers (clip ${clip.id}: ${clip.steps.join(' → ')}, templates: ${MODELS.join(' + ')})`,
    '',
    '| frames | key frames / with template | upload kB (frames + still) | verify p50 ms, still ∥ frames | p95 ms | p50 ms, still then frames (the server) | sequences/s (pool, 8 at once) | CPU ms per sequence | CPU ms, frames alone | verdict |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  );
  const rows: Record<string, unknown>[] = [];
  for (const size of sizes) {
    const frames = await clipFrames(clip, size.width ? { width: size.width } : {});
    const stillJpeg = await videoStill(
      clip.video,
      LIVENESS_STILLS[clip.video],
      size.stillWidth ? { width: size.stillWidth } : {},
    );
    const uploadBytes = frames.reduce((s, f) => s + f.image.length, 0) + stillJpeg.length;
    for (const variant of LIVENESS_VARIANTS) {
      const options =
        variant.keyFrames === 'all'
          ? { keyFrames: 'all' as const }
          : { keyFrames: variant.keyFrames, templateFrames: variant.templateFrames };
      const analyzeStill = () => engine.analyze(stillJpeg, { skipQualityChecks: true, livenessStill: true });
      const verifyOnce = async (order: 'parallel' | 'serial') => {
        const t0 = performance.now();
        const [seq, still] =
          order === 'parallel'
            ? await Promise.all([engine.analyzeSequence(frames, options), analyzeStill()])
            : await analyzeStill().then(
                async (r) => [await engine.analyzeSequence(frames, options), r] as const,
              );
        if (!seq.ok || !still.ok) throw new Error('bench sequence not analysed');
        const now = Date.now();
        const verdict = verifyLiveness({
          challenge: { steps: clip.steps, issuedAt: now - 10_000, expiresAt: now + 50_000 },
          frames: seq.frames,
          receivedAt: now,
          still: still.templates[LIVENESS_IDENTITY_MODEL] as Float32Array,
        });
        return { ms: performance.now() - t0, verdict };
      };
      // Warm-up (the first variant measured would otherwise pay for the JIT and the workers' first runs).
      for (let i = 0; i < 5; i++) await verifyOnce(i % 2 ? 'serial' : 'parallel');
      const heavy = variant.keyFrames === 'all';
      const iterations = heavy ? Math.max(3, Math.round(ITER / 8)) : Math.max(10, Math.round(ITER / 2));
      const times: number[] = [];
      let verdict = '';
      // CPU time of the whole process (main thread + workers) per sequence: what a sequence costs whatever
      // else runs on the machine (wall-clock figures move with the other jobs' load).
      const cpu0 = cpuMs();
      for (let i = 0; i < iterations; i++) {
        const r = await verifyOnce('parallel');
        times.push(r.ms);
        verdict = r.verdict.live ? 'live' : `${r.verdict.failedCheck}: ${r.verdict.reason}`;
      }
      const cpuPerSequence = (cpuMs() - cpu0) / iterations;
      const serialTimes: number[] = [];
      for (let i = 0; i < iterations; i++) serialTimes.push((await verifyOnce('serial')).ms);
      const cpu1 = cpuMs();
      for (let i = 0; i < iterations; i++) await engine.analyzeSequence(frames, options);
      const cpuFrames = (cpuMs() - cpu1) / iterations;
      const concurrent = heavy ? 4 : 8;
      const t0 = performance.now();
      await Promise.all(Array.from({ length: concurrent }, () => verifyOnce('parallel')));
      const perSecond = concurrent / ((performance.now() - t0) / 1000);
      const row = {
        frames: size.label,
        keyFrames: variant.keyFrames,
        templateFrames: heavy ? 'all' : variant.templateFrames,
        uploadKB: uploadBytes / 1024,
        p50: q(times, 0.5),
        p95: q(times, 0.95),
        p50StillThenFrames: q(serialTimes, 0.5),
        perSecond,
        cpuMs: cpuPerSequence,
        cpuMsFramesAlone: cpuFrames,
        verdict,
        iterations,
        loadavg1: loadavg()[0],
      };
      rows.push(row);
      lines.push(
        `| ${size.label} | ${variant.label} | ${f1(row.uploadKB)} | ${f1(row.p50)} | ${f1(row.p95)} | ${f1(row.p50StillThenFrames)} | ${f1(perSecond)} | ${f1(cpuPerSequence)} | ${f1(cpuFrames)} | ${verdict} |`,
      );
    }
  }
  await engine.close();
  report.liveness = { clip: clip.id, workers, templateModels: MODELS, loadavg: loadavg(), rows };
  lines.push(
    '',
    `Targets (issue 14): p50 ≤ 400 ms, ≥ 4 sequences/s with the pool, upload ≤ 400 kB. CPU ms per sequence is the process's CPU time (all threads: the still, the frames and verifyLiveness) per verified sequence: on 2 free cores the pool's ceiling is 2000 / that figure sequences/s. Load average after: ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}.`,
    '',
  );
}

// ------------------------------------------------------------- 1:N search
if (SECTIONS.has('search')) {
  lines.push(`## 1:N search on synthetic templates (${DIM}-d)`, '');
  lines.push(
    '`clustered`: identities in a low-dimensional latent space, 2 samples each, probes are new samples of a gallery identity (genuine cosine ≈ 0.82, impostor ≈ 0.35, like faceres). `random`: uniform random unit vectors, probes at cosine 0.7 to a mate: the adversarial worst case for graph indexes. Recall@1 = share of 200 probes whose HNSW top-1 equals the exact top-1 (usearch exactSearch, float32).',
    '',
    `Index: usearch HNSW M=${HNSW.m} efConstruction=${HNSW.efConstruction} ${HNSW.quantization} (efSearch per row; the default is ${HNSW.efSearch}), top ${HNSW.rerank} re-scored with exact float32 cosine. "build s" comes from the run that built the graph; later runs reopen the cached graph from bench-results/search-cache/ (restore s, which includes regenerating the templates).`,
    '',
  );
  lines.push(
    '| data | gallery | efSearch | build s | restore s | graph MB | RSS growth MB | search median ms | p95 ms | recall@1 | exact JS median ms | load avg |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  const searchRows: unknown[] = [];
  report.search = searchRows;
  const QUERIES = 200;
  const BATCH = 10_000;
  const cacheDir = path.join(PKG, 'bench-results', 'search-cache');
  await mkdir(cacheDir, { recursive: true });
  for (const kind of KINDS) {
    for (const n of SIZES)
      for (const ef of EFS) {
        if (kind === 'random' && n > RANDOM_MAX) {
          if (ef !== EFS[0]) continue;
          lines.push(
            `| ${kind} | ${n} | | skipped (random galleries above BENCH_SEARCH_RANDOM_MAX=${RANDOM_MAX}: build rate ≈ 1k/s on 2 cores) | | | | | | | | |`,
          );
          continue;
        }
        const name = `${kind}-d${DIM}-${n}-${HNSW.quantization}-M${HNSW.m}-efc${HNSW.efConstruction}`;
        const file = path.join(cacheDir, `${name}.usearch`);
        const metaFile = path.join(cacheDir, `${name}.meta.json`);
        const cached = !REBUILD && existsSync(file) && existsSync(`${file}.ids.json`) && existsSync(metaFile);
        const probes = new Float32Array(QUERIES * DIM);
        const mateOf = Array.from({ length: QUERIES }, (_, i) => Math.floor(((i + 0.5) / QUERIES) * n));
        mateOf.forEach((mate, qi) => {
          probeVector(kind, mate, qi, probes, qi * DIM);
        });
        const best = Array.from({ length: QUERIES }, () => ({ id: -1, cos: -2 }));
        const idx = new TemplateIndex({ mode: 'hnsw', dim: DIM, ...HNSW, efSearch: ef });
        const exact = n <= 100_000 ? new TemplateIndex({ mode: 'exact', dim: DIM }) : null;
        const rssBefore = process.memoryUsage().rss;
        const batch = new Float32Array(BATCH * DIM);
        // Streams the gallery: generates a batch, updates the exact ground truth, hands the batch over.
        function* batches(): Generator<{ start: number; m: number }> {
          for (let start = 0; start < n; start += BATCH) {
            const m = Math.min(BATCH, n - start);
            for (let i = 0; i < m; i++) galleryVector(kind, start + i, batch, i * DIM);
            const view = batch.subarray(0, m * DIM);
            const res = exactSearch(view, probes, DIM, 1, MetricKind.IP, 0) as unknown as {
              keys: BigUint64Array;
              distances: Float32Array;
            };
            for (let qi = 0; qi < QUERIES; qi++) {
              const cos = 1 - (res.distances[qi] as number);
              if (cos > (best[qi] as { cos: number }).cos)
                best[qi] = { id: start + Number(res.keys[qi]), cos };
            }
            yield { start, m };
          }
        }
        const entriesOf = (start: number, m: number) =>
          Array.from({ length: m }, (_, i) => ({
            id: String(start + i),
            template: batch.slice(i * DIM, (i + 1) * DIM),
          }));
        let buildSeconds: number;
        let restoreSeconds = Number.NaN;
        if (cached) {
          const meta = JSON.parse(await readFile(metaFile, 'utf8')) as { buildSeconds: number };
          buildSeconds = meta.buildSeconds;
          const t0 = performance.now();
          const stats = idx.restore(
            file,
            (function* () {
              for (const { start, m } of batches()) {
                const e = entriesOf(start, m);
                exact?.load(e);
                yield* e;
              }
            })(),
          );
          restoreSeconds = (performance.now() - t0) / 1000;
          if (stats.added || stats.removed) throw new Error(`stale cache ${file}: ${JSON.stringify(stats)}`);
        } else {
          let buildMs = 0;
          for (const { start, m } of batches()) {
            const e = entriesOf(start, m);
            exact?.load(e);
            const t0 = performance.now();
            idx.load(e);
            buildMs += performance.now() - t0;
            if (start % 100_000 === 0) console.error(`  ${name}: ${start + m}/${n}, ${f1(buildMs / 1000)} s`);
          }
          buildSeconds = buildMs / 1000;
          idx.save(file);
          await writeFile(
            metaFile,
            JSON.stringify({ buildSeconds, date: new Date().toISOString(), loadavg: loadavg() }),
          );
        }
        // Negative when the previous gallery's arrays were collected meanwhile: not a measurement then.
        const rssGrowth = process.memoryUsage().rss - rssBefore;
        const rssMB = rssGrowth > 0 ? mb(rssGrowth) : Number.NaN;
        const graphMB = mb(statSync(file).size);
        const lat: number[] = [];
        let hits = 0;
        for (let qi = 0; qi < QUERIES; qi++) {
          const qv = probes.subarray(qi * DIM, (qi + 1) * DIM);
          const t0 = performance.now();
          const top = idx.searchCosine(qv, 1)[0];
          lat.push(performance.now() - t0);
          if (top && Number(top.id) === (best[qi] as { id: number }).id) hits++;
        }
        let exactMedian = Number.NaN;
        if (exact) {
          const el: number[] = [];
          for (let qi = 0; qi < 20; qi++) {
            const t0 = performance.now();
            exact.searchCosine(probes.subarray(qi * DIM, (qi + 1) * DIM), 1);
            el.push(performance.now() - t0);
          }
          exactMedian = q(el, 0.5);
          exact.clear();
        }
        const row = {
          data: kind,
          gallery: n,
          index: name,
          efSearch: ef,
          buildSeconds,
          buildCached: cached,
          restoreSeconds,
          graphMB,
          rssGrowthMB: rssMB,
          searchMedianMs: q(lat, 0.5),
          searchP95Ms: q(lat, 0.95),
          recallAt1: hits / QUERIES,
          queries: QUERIES,
          exactJsMedianMs: exactMedian,
          loadavg1: loadavg()[0],
        };
        searchRows.push(row);
        const fmt = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');
        lines.push(
          `| ${kind} | ${n} | ${ef} | ${f1(buildSeconds)}${cached ? ' (cached)' : ''} | ${fmt(restoreSeconds)} | ${graphMB} | ${fmt(rssMB, 0)} | ${row.searchMedianMs.toFixed(2)} | ${row.searchP95Ms.toFixed(2)} | ${row.recallAt1.toFixed(3)} | ${fmt(exactMedian)} | ${fmt(row.loadavg1 ?? Number.NaN, 2)} |`,
        );
        idx.clear();
        await save();
        console.error(`search bench ${name} done`);
      }
  }
}
report.peakRssMBEnd = mb(rssPeak());
lines.push('', `Peak RSS at the end: ${mb(rssPeak())} MB.`);

const md = await save();
console.log(md);
