/**
 * Deterministic synthetic templates for the search benchmark. Every vector is derived from its own seed,
 * so a gallery can be streamed in batches and regenerated identically (cached index files stay valid).
 *
 * - 'random': uniform directions in 1024-d. The adversarial worst case for any graph index: every gallery
 *   template is at cosine ≈ 0 from every other, so there is no neighbourhood to navigate.
 * - 'clustered': closer to real face embeddings: a shared mean direction, identities in a 32-d latent space
 *   mapped into 1024-d, two noisy samples per identity, isotropic noise on top. Tuned so that genuine pairs
 *   are at cosine ≈ 0.82 and impostors at ≈ 0.35 (max ≈ 0.55), like faceres on the evaluation photos
 *   (EVALUATION.md: genuine same-session median 0.835, impostor median 0.379, max 0.615).
 */
import { rng } from '../eval/attacks.js';

export type SyntheticKind = 'random' | 'clustered';
/**
 * Template dimension: BENCH_SEARCH_DIM, default 128 (the default dlib model; 1024 = faceres). The clustered
 * generator's constants were tuned at 1024-d; at 128-d its cosines differ (bench.md prints the measured ones).
 */
export const DIM = Number(process.env.BENCH_SEARCH_DIM ?? 128);
const LATENT = 32;
/** Gallery samples per identity (clustered). */
export const SAMPLES_PER_IDENTITY = 2;

const gauss = (r: () => number) => r() + r() + r() - 1.5; // variance 0.25: cheap and good enough here

function normalise(out: Float32Array, off: number): void {
  let n = 0;
  for (let d = 0; d < DIM; d++) n += (out[off + d] as number) ** 2;
  const inv = 1 / Math.sqrt(n);
  for (let d = 0; d < DIM; d++) out[off + d] = (out[off + d] as number) * inv;
}

const base = rng(0x5eed);
const A = Float32Array.from({ length: DIM * LATENT }, () => gauss(base) * 0.4);
const MU = Float32Array.from({ length: DIM }, () => gauss(base) * 1.8);
const zId = new Float32Array(LATENT);
const z = new Float32Array(LATENT);

function randomUnit(seed: number, out: Float32Array, off: number): void {
  const r = rng(seed);
  for (let d = 0; d < DIM; d++) out[off + d] = gauss(r);
  normalise(out, off);
}

function clusteredSample(identity: number, sampleSeed: number, out: Float32Array, off: number): void {
  const ri = rng(0x1d000000 ^ identity);
  for (let j = 0; j < LATENT; j++) zId[j] = gauss(ri) * 2;
  const rs = rng(sampleSeed);
  for (let j = 0; j < LATENT; j++) z[j] = (zId[j] as number) + gauss(rs) * 0.9;
  for (let d = 0; d < DIM; d++) {
    let v = MU[d] as number;
    const row = d * LATENT;
    for (let j = 0; j < LATENT; j++) v += (A[row + j] as number) * (z[j] as number);
    out[off + d] = v + gauss(rs) * 0.9;
  }
  normalise(out, off);
}

/** Gallery template i. */
export function galleryVector(kind: SyntheticKind, i: number, out: Float32Array, off = 0): void {
  if (kind === 'random') randomUnit(i + 1, out, off);
  else clusteredSample(Math.floor(i / SAMPLES_PER_IDENTITY), 0x40000000 + i, out, off);
}

/**
 * Genuine probe number qi whose mate is gallery template `mate`: for 'random' the mate plus noise
 * (cosine ≈ 0.7), for 'clustered' a new sample of the mate's identity.
 */
export function probeVector(kind: SyntheticKind, mate: number, qi: number, out: Float32Array, off = 0): void {
  if (kind === 'clustered') {
    clusteredSample(Math.floor(mate / SAMPLES_PER_IDENTITY), 0x7f000000 + qi, out, off);
    return;
  }
  const m = new Float32Array(DIM);
  galleryVector(kind, mate, m);
  const noise = new Float32Array(DIM);
  randomUnit(0x7f000000 + qi, noise, 0);
  for (let d = 0; d < DIM; d++) out[off + d] = 0.7 * (m[d] as number) + 0.714 * (noise[d] as number);
  normalise(out, off);
}
