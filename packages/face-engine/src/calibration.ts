/**
 * Maps the cosine similarity of two faceres templates to a match score in 0..1.
 *
 * The mapping is a logistic curve score = 1 / (1 + exp(-(cos - center) * slope)). `pnpm eval` fits it on
 * the evaluation set (balanced logistic regression: center 0.580, slope 36.7 on 2026-11-22); we keep the
 * fitted center and a gentler slope (25) because the fitted slope rests on only 4 cross-session genuine
 * pairs. With these constants 0.85 = cosine 0.649 and 0.9 = cosine 0.668, above the highest impostor
 * cosine seen (0.615). EVALUATION.md reports the FMR/FNMR measured at 0.85 and 0.9; re-run eval after
 * changing the model, alignment or constants.
 */
export const CALIBRATION = {
  model: 'faceres',
  center: 0.58,
  slope: 25,
} as const;

export function cosineToScore(cos: number, cal: { center: number; slope: number } = CALIBRATION): number {
  if (!Number.isFinite(cos)) return 0;
  return 1 / (1 + Math.exp(-(cos - cal.center) * cal.slope));
}

/** Inverse of cosineToScore: the cosine a score threshold corresponds to. */
export function scoreToCosine(score: number, cal: { center: number; slope: number } = CALIBRATION): number {
  return cal.center + Math.log(score / (1 - score)) / cal.slope;
}
