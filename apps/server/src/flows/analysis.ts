import { createHash } from 'node:crypto';
import type { FaceAnalysisOk } from '@faceproof/face-engine';

/** Measures of the engine's analysis that the flows decide on and report: no engine needed. */

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));
export const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * The liveness score of an analysis, clamped to 0..1 and rounded to 3 decimals. This one number is
 * compared with the flow's minimum and reported (response, result token, events), so a score shown
 * as passing always passed: comparing the raw score while reporting a rounded one let a reported
 * 0.6 fail a minimum of 0.6.
 */
export const livenessScore = (a: FaceAnalysisOk) => round3(clamp01(a.liveness.score));

/** A 1:N search score on the same scale and rounding. */
export const matchScore = (score: number | undefined) => round3(clamp01(score ?? 0));

/**
 * One quality score from the engine's measurements: the mean of detector confidence, face size
 * (full marks from 224 px), sharpness (full marks from a Laplacian variance of 100) and lighting
 * (full marks for a mean face luma within 0.3–0.7).
 */
export function qualityScore(a: FaceAnalysisOk): number {
  const q = a.face.quality;
  const size = Math.min(1, q.faceSizePx / 224);
  const sharp = Math.min(1, q.sharpness / 100);
  const light = q.brightness < 0.3 ? q.brightness / 0.3 : q.brightness > 0.7 ? (1 - q.brightness) / 0.3 : 1;
  return round3(clamp01((q.detectionScore + size + sharp + Math.max(0, light)) / 4));
}

export const qualityWord = (s: number) => (s >= 0.8 ? 'good' : s >= 0.5 ? 'acceptable' : 'poor');

/** The risk that the user is not who the result says: the weakest of liveness, match and quality. */
export const riskScore = (liveness: number, match: number | undefined, quality: number) =>
  round3(1 - Math.min(liveness, match ?? 1, quality));

export const templateBytes = (t: Float32Array) =>
  new Uint8Array(t.buffer, t.byteOffset, t.byteLength).slice();
export const bytesTemplate = (b: Uint8Array) =>
  new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

/** Stored templates (one per model) as an analysis names them: by model id. */
export const templatesByModel = (stored: readonly { model: string; template: Uint8Array }[]) =>
  Object.fromEntries(stored.map((t) => [t.model, bytesTemplate(t.template)]));

/** The opaque `tpl_<hash>` reference returned instead of a template. */
export const templateRef = (t: Float32Array) =>
  `tpl_${createHash('sha256').update(templateBytes(t)).digest('hex').slice(0, 24)}`;
