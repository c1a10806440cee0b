/**
 * The recognition half of `pnpm eval`: templates of every model for the labelled photos, frames of the three
 * fixture videos and the faces cropped from the group photos; genuine/impostor cosines by pair kind; the
 * calibration fit; FMR/FNMR at the score thresholds; 1:N top-1; the SVG figures.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { type Calibration, cosineToScore, scoreToCosine, type TemplateModelName } from '../calibration.js';
import type { HumanFaceEngine } from '../engine.js';
import { type Fixtures, type VideoName, videoFrames } from '../fixtures.js';
import { detectFaceBoxes } from '../human-runtime.js';
import { TEMPLATE_MODELS } from '../models.js';
import { dot } from '../template.js';

export const THRESHOLDS = [0.5, 0.7, 0.85, 0.9, 0.95];
/** Frames of one recording at least this far apart count as "far apart" genuine pairs. */
const FAR_APART_S = 30;
/** Where each video is sampled (seconds); the person of cap12 and cap13 is one man in two recordings. */
const VIDEO_TIMES: Record<VideoName, { id: string; times: number[] }> = {
  franck: { id: 'franck', times: [5, 25, 45, 65, 85, 105, 125, 145, 165, 185] },
  cap12: { id: 'cap', times: [2, 8, 14, 20, 26, 32, 38, 44, 50] },
  cap13: { id: 'cap', times: [2, 7, 12, 17, 22, 27] },
};
/** The franck photos are numbered frames of franck.mp4 (24 frames/s). */
const FRANCK_FPS = 24;
/** Faces of the group photos smaller than this (px) are skipped: too small to describe reliably. */
const MIN_GROUP_FACE_PX = 48;
/**
 * Group-photo faces that look like one woman in two of face-api's photos (by eye, and the highest
 * "impostor" pair of both models): left out of the pairs, since neither label is known to be right.
 */
const UNLABELLED_PAIRS: readonly (readonly [string, string])[] = [['group1-2', 'group3-1']];

type ModelKey = TemplateModelName | 'fusion';
export type PairKind = 'cross' | 'same-recording-far' | 'same-recording-near' | 'impostor';

interface Capture {
  id: string;
  label: string;
  /** Photo file or recording: two captures with the same value come from one recording. */
  capture: string;
  /** Seconds into the recording, for frames. */
  t?: number;
  templates: Record<TemplateModelName, Float32Array>;
}

export interface Pair {
  a: string;
  b: string;
  kind: PairKind;
  cos: Record<ModelKey, number>;
}

const MODEL_NAMES = Object.keys(TEMPLATE_MODELS) as TemplateModelName[];

async function describe(
  engine: HumanFaceEngine,
  bytes: Uint8Array,
): Promise<Record<TemplateModelName, Float32Array> | string> {
  const r = await engine.analyze(bytes, { skipQualityChecks: true, skipLiveness: true });
  if (!r.ok) return r.reason;
  const out = {} as Record<TemplateModelName, Float32Array>;
  for (const name of MODEL_NAMES) {
    const t = r.templates[TEMPLATE_MODELS[name].id];
    if (!t) return `no ${name} template`;
    out[name] = t;
  }
  return out;
}

async function collect(engine: HumanFaceEngine, fx: Fixtures) {
  const captures: Capture[] = [];
  const failures: string[] = [];
  const rel = (f: string) => path.relative(fx.dir, f);
  for (const [id, { files }] of Object.entries(fx.identities)) {
    for (const file of files) {
      const templates = await describe(engine, await readFile(file));
      if (typeof templates === 'string') {
        failures.push(`${rel(file)} (${templates})`);
        continue;
      }
      const frame = /franck_(\d+)\.jpg$/.exec(file);
      captures.push({
        id,
        label: rel(file),
        ...(frame ? { capture: 'franck.mp4', t: Number(frame[1]) / FRANCK_FPS } : { capture: rel(file) }),
        templates,
      });
    }
  }
  for (const [name, { id, times }] of Object.entries(VIDEO_TIMES) as [
    VideoName,
    (typeof VIDEO_TIMES)[VideoName],
  ][]) {
    for (const t of times) {
      const [frame] = await videoFrames(name, { start: t, duration: 0.2, fps: 5 });
      const templates = frame ? await describe(engine, frame) : 'no frame decoded';
      if (typeof templates === 'string') {
        failures.push(`${name}.mp4 at ${t} s (${templates})`);
        continue;
      }
      captures.push({ id, label: `${name}.mp4@${t}s`, capture: `${name}.mp4`, t, templates });
    }
  }
  let groupFaces = 0;
  for (const [g, file] of fx.groups.entries()) {
    const bytes = await sharp(await readFile(file))
      .rotate()
      .toBuffer();
    const boxes = await detectFaceBoxes(bytes, engine.limits);
    const meta = await sharp(bytes).metadata();
    const W = meta.width ?? 0;
    const H = meta.height ?? 0;
    for (const [k, b] of boxes.entries()) {
      if (Math.min(b.width, b.height) < MIN_GROUP_FACE_PX) continue;
      const m = 0.35 * Math.max(b.width, b.height);
      const left = Math.max(0, Math.floor(b.x - m));
      const top = Math.max(0, Math.floor(b.y - m));
      const crop = await sharp(bytes)
        .extract({
          left,
          top,
          width: Math.min(W - left, Math.ceil(b.width + 2 * m)),
          height: Math.min(H - top, Math.ceil(b.height + 2 * m)),
        })
        .jpeg({ quality: 95 })
        .toBuffer();
      const templates = await describe(engine, crop);
      if (typeof templates === 'string') {
        failures.push(`${rel(file)} face ${k} (${templates})`);
        continue;
      }
      groupFaces++;
      captures.push({
        id: `group${g + 1}-${k}`,
        label: `${rel(file)}#${k}`,
        capture: `${rel(file)}#${k}`,
        templates,
      });
    }
  }
  return { captures, failures, groupFaces };
}

function classify(a: Capture, b: Capture): PairKind {
  if (a.id !== b.id) return 'impostor';
  if (a.capture !== b.capture) return 'cross';
  return a.t !== undefined && b.t !== undefined && Math.abs(a.t - b.t) >= FAR_APART_S
    ? 'same-recording-far'
    : 'same-recording-near';
}

function meanSd(v: number[]) {
  const m = v.reduce((s, x) => s + x, 0) / v.length;
  const sd = Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / Math.max(1, v.length - 1));
  return { m, sd };
}

export function stats(v: number[]) {
  const s = [...v].sort((x, y) => x - y);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))] ?? Number.NaN;
  return { n: s.length, min: s[0] ?? Number.NaN, p50: q(0.5), max: s[s.length - 1] ?? Number.NaN };
}

/**
 * Balanced logistic regression of P(genuine | cos) by Newton's method on the standardised cosine, with a
 * small ridge so that separable data still gives a finite slope.
 */
export function fitLogistic(pos: number[], neg: number[], ridge = 0.05): Calibration {
  const all = [...pos, ...neg];
  const { m, sd } = meanSd(all);
  const xs = all.map((x) => (x - m) / sd);
  const ys = all.map((_, i) => (i < pos.length ? 1 : 0));
  const ws = all.map((_, i) => (i < pos.length ? 0.5 / pos.length : 0.5 / neg.length));
  let a = 1;
  let b = 0;
  for (let it = 0; it < 100; it++) {
    let ga = ridge * a;
    let gb = 0;
    let haa = ridge;
    let hab = 0;
    let hbb = 1e-9;
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i] as number;
      const p = 1 / (1 + Math.exp(-(a * x + b)));
      const w = ws[i] as number;
      const r = w * (p - (ys[i] as number));
      ga += r * x;
      gb += r;
      const h = w * p * (1 - p);
      haa += h * x * x;
      hab += h * x;
      hbb += h;
    }
    const det = haa * hbb - hab * hab;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) + Math.abs(db) < 1e-10) break;
  }
  // a·(cos − m)/sd + b = slope·(cos − center)
  const slope = a / sd;
  return { slope, center: m - (b * sd) / a };
}

export interface ModelSummary {
  key: ModelKey;
  weakestCross: number;
  strongestImpostor: number;
  impostorsAboveWeakestCross: number;
  crossAtOrBelowStrongestImpostor: number;
}

export async function evaluateRecognition(engine: HumanFaceEngine, fx: Fixtures) {
  const { captures, failures, groupFaces } = await collect(engine, fx);
  const raw: { a: Capture; b: Capture; kind: PairKind; cos: Record<TemplateModelName, number> }[] = [];
  const leftOut: string[] = [];
  for (let i = 0; i < captures.length; i++) {
    for (let j = i + 1; j < captures.length; j++) {
      const a = captures[i] as Capture;
      const b = captures[j] as Capture;
      if (UNLABELLED_PAIRS.some(([x, y]) => (a.id === x && b.id === y) || (a.id === y && b.id === x))) {
        leftOut.push(`${a.label} / ${b.label}`);
        continue;
      }
      const cos = {} as Record<TemplateModelName, number>;
      for (const name of MODEL_NAMES) cos[name] = dot(a.templates[name], b.templates[name]);
      raw.push({ a, b, kind: classify(a, b), cos });
    }
  }
  // Fusion: each model's cosine standardised on the impostor pairs, averaged.
  const impostorNorm = Object.fromEntries(
    MODEL_NAMES.map((n) => [n, meanSd(raw.filter((p) => p.kind === 'impostor').map((p) => p.cos[n]))]),
  ) as Record<TemplateModelName, { m: number; sd: number }>;
  const pairs: Pair[] = raw.map((p) => ({
    a: p.a.label,
    b: p.b.label,
    kind: p.kind,
    cos: {
      ...p.cos,
      fusion:
        MODEL_NAMES.reduce((s, n) => s + (p.cos[n] - impostorNorm[n].m) / impostorNorm[n].sd, 0) /
        MODEL_NAMES.length,
    },
  }));
  const of = (kind: PairKind) => pairs.filter((p) => p.kind === kind);
  const cross = of('cross');
  const far = of('same-recording-far');
  const impostor = of('impostor');
  const keys: ModelKey[] = [...MODEL_NAMES, 'fusion'];
  const summaries: ModelSummary[] = keys.map((key) => {
    const weakestCross = Math.min(...cross.map((p) => p.cos[key]));
    const strongestImpostor = Math.max(...impostor.map((p) => p.cos[key]));
    return {
      key,
      weakestCross,
      strongestImpostor,
      impostorsAboveWeakestCross: impostor.filter((p) => p.cos[key] >= weakestCross).length,
      crossAtOrBelowStrongestImpostor: cross.filter((p) => p.cos[key] <= strongestImpostor).length,
    };
  });

  // Calibration of each single model, fitted on the cross-capture and far-apart same-recording pairs.
  const fitted = Object.fromEntries(
    MODEL_NAMES.map((n) => [
      n,
      fitLogistic(
        [...cross, ...far].map((p) => p.cos[n]),
        impostor.map((p) => p.cos[n]),
      ),
    ]),
  ) as Record<TemplateModelName, Calibration>;
  // The curve in use keeps the fitted center and puts score 0.9 midway between the strongest impostor
  // and the weakest different-capture genuine pair when they are apart (else just above the impostor).
  const anchored = Object.fromEntries(
    MODEL_NAMES.map((n) => {
      const s = summaries.find((x) => x.key === n) as ModelSummary;
      const at90 =
        s.weakestCross > s.strongestImpostor
          ? (s.weakestCross + s.strongestImpostor) / 2
          : s.strongestImpostor + 0.005;
      const center = (fitted[n] as Calibration).center;
      return [n, { center, slope: Math.log(9) / (at90 - center), at90 }];
    }),
  ) as Record<TemplateModelName, Calibration & { at90: number }>;

  const genuineAll = pairs.filter((p) => p.kind !== 'impostor');
  const rates = Object.fromEntries(
    MODEL_NAMES.map((n) => {
      const cal = TEMPLATE_MODELS[n].calibration;
      return [
        n,
        THRESHOLDS.map((threshold) => {
          const below = (ps: Pair[]) => ps.filter((p) => cosineToScore(p.cos[n], cal) < threshold).length;
          const falseMatches = impostor.filter((p) => cosineToScore(p.cos[n], cal) >= threshold).length;
          return {
            threshold,
            cosine: scoreToCosine(threshold, cal),
            falseMatches,
            impostorPairs: impostor.length,
            fmr: falseMatches / impostor.length,
            fnmCross: below(cross),
            crossPairs: cross.length,
            fnmFar: below(far),
            farPairs: far.length,
            fnmAll: below(genuineAll),
            genuinePairs: genuineAll.length,
          };
        }),
      ];
    }),
  ) as Record<TemplateModelName, RateRow[]>;

  // 1:N: the first capture of each person in the gallery; every other capture of a person with several is a probe.
  const gallery = new Map<string, Capture>();
  for (const c of captures) if (!gallery.has(c.id)) gallery.set(c.id, c);
  const probes = captures.filter((c) => gallery.get(c.id) !== c);
  const search = Object.fromEntries(
    MODEL_NAMES.map((n) => {
      const index = engine.createIndex({ mode: 'exact', templateModel: n });
      for (const [id, c] of gallery) index.add(id, c.templates[n]);
      const results = probes.map((p) => {
        const hit = index.search(p.templates[n], 1)[0];
        const crossCapture = (gallery.get(p.id) as Capture).capture !== p.capture;
        return {
          probe: p.label,
          expected: p.id,
          got: hit?.id,
          score: hit?.score ?? Number.NaN,
          crossCapture,
        };
      });
      return [
        n,
        {
          gallery: index.size,
          probes: results.length,
          top1: results.filter((r) => r.got === r.expected).length,
          crossProbes: results.filter((r) => r.crossCapture).length,
          top1Cross: results.filter((r) => r.crossCapture && r.got === r.expected).length,
          results,
        },
      ];
    }),
  ) as Record<TemplateModelName, SearchSummary>;

  return {
    captures: captures.length,
    identities: new Set(captures.map((c) => c.id)).size,
    groupFaces,
    videoFrames: captures.filter((c) => c.label.includes('.mp4@')).length,
    failures,
    counts: {
      cross: cross.length,
      far: far.length,
      near: of('same-recording-near').length,
      impostor: impostor.length,
    },
    cosine: Object.fromEntries(
      keys.map((k) => [
        k,
        {
          cross: stats(cross.map((p) => p.cos[k])),
          far: stats(far.map((p) => p.cos[k])),
          near: stats(of('same-recording-near').map((p) => p.cos[k])),
          impostor: stats(impostor.map((p) => p.cos[k])),
        },
      ]),
    ) as Record<ModelKey, Record<'cross' | 'far' | 'near' | 'impostor', ReturnType<typeof stats>>>,
    summaries,
    fitted,
    anchored,
    leftOut,
    rates,
    search,
    celebrityPairs: cross.filter((p) => !p.a.includes('.mp4') && !p.b.includes('.mp4')),
    topImpostors: Object.fromEntries(
      MODEL_NAMES.map((n) => [n, [...impostor].sort((x, y) => y.cos[n] - x.cos[n]).slice(0, 5)]),
    ) as Record<TemplateModelName, Pair[]>,
    pairs,
  };
}

export interface RateRow {
  threshold: number;
  cosine: number;
  falseMatches: number;
  impostorPairs: number;
  fmr: number;
  fnmCross: number;
  crossPairs: number;
  fnmFar: number;
  farPairs: number;
  fnmAll: number;
  genuinePairs: number;
}

export interface SearchSummary {
  gallery: number;
  probes: number;
  top1: number;
  crossProbes: number;
  top1Cross: number;
  results: { probe: string; expected: string; got?: string; score: number; crossCapture: boolean }[];
}

export type RecognitionResult = Awaited<ReturnType<typeof evaluateRecognition>>;
