/**
 * Maps the cosine similarity of two faceres templates to a match score in 0..1.
 *
 * The mapping is a logistic curve score = 1 / (1 + exp(-(cos - center) * slope)); its two constants were
 * fitted by `pnpm eval` on the evaluation set (see EVALUATION.md, which also reports the false-match and
 * false-non-match rates measured at 0.85 and 0.9). Re-run eval after changing models, alignment or
 * constants, and paste the printed constants here.
 */
export const CALIBRATION = {
  model: 'faceres',
  center: 0.6,
  slope: 20,
} as const;

export function cosineToScore(cos: number, cal: { center: number; slope: number } = CALIBRATION): number {
  if (!Number.isFinite(cos)) return 0;
  return 1 / (1 + Math.exp(-(cos - cal.center) * cal.slope));
}

/** Inverse of cosineToScore: the cosine a score threshold corresponds to. */
export function scoreToCosine(score: number, cal: { center: number; slope: number } = CALIBRATION): number {
  return cal.center + Math.log(score / (1 - score)) / cal.slope;
}
