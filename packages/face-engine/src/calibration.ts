/**
 * Maps the cosine similarity of two templates of one model to a match score in 0..1.
 *
 * The mapping is a logistic curve score = 1 / (1 + exp(-(cos - center) * slope)), one per template model:
 * a score threshold (0.85, 0.9) means a cosine that depends on the model. `pnpm eval` fits the curves on the
 * evaluation set and reports, in EVALUATION.md, the false-match and false-non-match rates each threshold
 * gives; re-run it after changing a model, the alignment or these constants.
 */
export interface Calibration {
  center: number;
  slope: number;
}

export type TemplateModelName = 'faceres' | 'dlib';

export const CALIBRATIONS: Readonly<Record<TemplateModelName, Calibration>> = {
  /**
   * Balanced logistic fit on 2026-11-22: center 0.580, slope 36.7; the gentler slope 25 because the fit
   * rested on 4 cross-session genuine pairs. 0.85 = cosine 0.649, 0.9 = cosine 0.668.
   */
  faceres: { center: 0.58, slope: 25 },
  /**
   * Fitted on 2026-12-01 (EVALUATION.md): center 0.9116 from the balanced logistic fit; slope 71 puts 0.9 at
   * cosine 0.9426, midway between the strongest impostor (0.9363) and the weakest genuine pair from
   * different captures (0.9489). 0.85 = cosine 0.9361.
   */
  dlib: { center: 0.9116, slope: 71 },
};

/** The template model the engine uses unless told otherwise: the one that separated better in EVALUATION.md. */
export const DEFAULT_TEMPLATE_MODEL: TemplateModelName = 'dlib';

/**
 * faceres's calibration: the default of cosineToScore/scoreToCosine and of a TemplateIndex built directly.
 * The engine's compare() and createIndex() use the curve of their template model, the liveness identity
 * check (src/liveness/identity.ts) dlib's.
 */
export const CALIBRATION: Calibration & { model: TemplateModelName } = {
  model: 'faceres',
  ...CALIBRATIONS.faceres,
};

export function cosineToScore(cos: number, cal: Calibration = CALIBRATION): number {
  if (!Number.isFinite(cos)) return 0;
  return 1 / (1 + Math.exp(-(cos - cal.center) * cal.slope));
}

/** Inverse of cosineToScore: the cosine a score threshold corresponds to. */
export function scoreToCosine(score: number, cal: Calibration = CALIBRATION): number {
  return cal.center + Math.log(score / (1 - score)) / cal.slope;
}
