import type { EngineLimits } from './types.js';

/**
 * Default limits. The quality thresholds were set from the fixture photos and their degraded copies
 * (see EVALUATION.md, "quality gates"); deployments can override any of them.
 */
export const DEFAULT_LIMITS: Readonly<EngineLimits> = {
  maxBytes: 10 * 1024 * 1024,
  maxPixels: 40_000_000,
  minFacePx: 80,
  minDetectionScore: 0.5,
  backgroundFaceRatio: 0.35,
  minBrightness: 0.18,
  maxBrightness: 0.85,
  maxOverexposed: 0.35,
  minSharpness: 20,
  maxOutside: 0.1,
};

export function resolveLimits(partial?: Partial<EngineLimits>): EngineLimits {
  return { ...DEFAULT_LIMITS, ...(partial ?? {}) };
}
