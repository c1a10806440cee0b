/**
 * One face throughout, and the same person in every frame and in the still: a sequence that swaps the
 * live person for someone else mid-way (or answers the challenge with one person and sends another's
 * still) is refused.
 */
import { CALIBRATIONS, cosineToScore } from '../calibration.js';

/** The frames' and the still's templates are dlib's (LIVENESS_IDENTITY_MODEL), scored on its curve. */
const identityScore = (cos: number) => cosineToScore(cos, CALIBRATIONS.dlib);

/**
 * Default minimum match score (the engine's calibrated 0..1 scale) between any two frames and between any
 * frame and the still: the calibration's centre (dlib cosine 0.91), where the fitted genuine and impostor
 * curves cross. Lower than the search thresholds (0.85/0.9) because small frames of a turned head match
 * the frontal still less well; the still itself is held to the search threshold by the caller.
 */
export const DEFAULT_SAME_PERSON_MIN_SCORE = identityScore(CALIBRATIONS.dlib.center);

export type IdentityFailure =
  | 'NO_FACE_IN_FRAME'
  | 'MULTIPLE_FACES_IN_FRAME'
  | 'MISSING_TEMPLATE'
  | 'FACE_CHANGED';

export interface IdentityResult {
  ok: boolean;
  failure?: IdentityFailure;
  /** Frame concerned by the failure (index into the frames). */
  frame?: number;
  /** Lowest score between a frame and the still. */
  minScoreToStill: number;
  /** Lowest score between two frames. */
  minScoreBetweenFrames: number;
  threshold: number;
}

function cosine(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    d += x * y;
    na += x * x;
    nb += y * y;
  }
  return na > 0 && nb > 0 ? d / Math.sqrt(na * nb) : Number.NaN;
}

/** The frame most often involved in the lowest pair: the one that does not belong. */
function odd(scores: number[][], threshold: number): number {
  let worst = 0;
  let worstCount = -1;
  let worstMean = Number.POSITIVE_INFINITY;
  scores.forEach((row, i) => {
    const below = row.filter((s, j) => j !== i && s < threshold).length;
    const mean = row.reduce((s, x, j) => (j === i ? s : s + x), 0) / Math.max(1, row.length - 1);
    if (below > worstCount || (below === worstCount && mean < worstMean)) {
      worst = i;
      worstCount = below;
      worstMean = mean;
    }
  });
  return worst;
}

export function checkIdentity(
  faceCounts: readonly number[],
  templates: readonly (Float32Array | undefined)[],
  still: Float32Array,
  threshold = DEFAULT_SAME_PERSON_MIN_SCORE,
  score: (cos: number) => number = identityScore,
): IdentityResult {
  const base = { minScoreToStill: Number.NaN, minScoreBetweenFrames: Number.NaN, threshold };
  const none = faceCounts.findIndex((c) => c < 1);
  if (none >= 0) return { ok: false, failure: 'NO_FACE_IN_FRAME', frame: none, ...base };
  const many = faceCounts.findIndex((c) => c > 1);
  if (many >= 0) return { ok: false, failure: 'MULTIPLE_FACES_IN_FRAME', frame: many, ...base };
  // Tracked frames carry no template (engine.analyzeSequence describes its key frames only); at least two
  // frames must, so that a frame can be compared with another one as well as with the still.
  const described = templates.flatMap((t, i) => (t ? [{ t, i }] : []));
  if (described.length < Math.min(2, faceCounts.length)) {
    const missing = faceCounts.findIndex((_, i) => !templates[i]);
    return { ok: false, failure: 'MISSING_TEMPLATE', frame: missing, ...base };
  }
  const t = described.map((d) => d.t);
  const toStill = t.map((x) => score(cosine(x, still)));
  const pairwise = t.map((x, i) => t.map((y, j) => (i === j ? 1 : score(cosine(x, y)))));
  const minScoreToStill = Math.min(...toStill);
  const minScoreBetweenFrames = t.length > 1 ? Math.min(...pairwise.flat()) : 1;
  const result = { minScoreToStill, minScoreBetweenFrames, threshold };
  if (minScoreBetweenFrames < threshold)
    return {
      ok: false,
      failure: 'FACE_CHANGED',
      frame: described[odd(pairwise, threshold)]?.i as number,
      ...result,
    };
  if (minScoreToStill < threshold)
    return {
      ok: false,
      failure: 'FACE_CHANGED',
      frame: described[toStill.indexOf(minScoreToStill)]?.i as number,
      ...result,
    };
  return { ok: true, ...result };
}
