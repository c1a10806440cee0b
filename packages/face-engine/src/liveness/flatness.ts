/**
 * Is the moving face a flat object? Every view of a plane (a print, a screen) is related to every other
 * view by one homography, however the plane is shifted, rolled, tilted or brought closer; the landmarks of
 * a real head are at different depths, so turning it moves the nose against the face contour (parallax)
 * and no homography explains the motion. Measured on every pair of frames with enough motion to judge.
 */
import type { Point } from '../types.js';
import { fitHomography, homographyErrors, similarityResidual } from './homography.js';
import { type FrameLandmarks, LANDMARK_NAMES, type LandmarkName } from './landmarks.js';
import { invert3 } from './linalg.js';

/** Points in front of the face's mean plane: they carry the parallax. */
const NOSE_POINTS: readonly LandmarkName[] = ['noseTip', 'noseMid', 'subnasale', 'rightAlar', 'leftAlar'];

export interface FlatnessFrame {
  landmarks: FrameLandmarks;
  /** Inter-ocular distance of a frontal face at this size, in px (HeadPose.scale × frame width). */
  interOcularPx: number;
}

/** One pair of frames: every value is in inter-ocular distances (IOD), so independent of resolution. */
export interface PairMotion {
  from: number;
  to: number;
  /** RMS landmark motion that a similarity (shift, roll, zoom) does not explain: what can reveal depth. */
  motion: number;
  /** RMS symmetric transfer error of the best homography between the two frames. */
  residual: number;
  /** Displacement of the nose tip from where the homography of the rest of the face puts it. */
  parallax: number;
}

export interface FlatnessThresholds {
  /** Pairs with less non-similarity motion than this (IOD) are not judged: noise alone reaches ~0.05. */
  minMotion: number;
  /** Only pairs with at least this share of the largest motion are judged (the most informative ones). */
  relativeMotion: number;
  /** Below this median nose parallax (IOD) the motion is that of a flat object. */
  minParallax: number;
  /** Smaller faces are not judged: landmark noise over a small inter-ocular distance mimics depth. */
  minInterOcularPx: number;
}

export type FlatnessVerdict =
  | 'three_dimensional'
  | 'flat'
  | 'insufficient_motion'
  | 'face_too_small'
  | 'too_few_points';

export interface FlatnessResult {
  verdict: FlatnessVerdict;
  /** Largest pair motion seen (IOD). */
  motion: number;
  /** Homography residual of the judged pairs: the median over the pairs with enough motion (IOD). */
  residual: number;
  /** Median nose-tip parallax over the judged pairs (IOD). */
  parallax: number;
  /** Number of pairs with enough motion. */
  judgedPairs: number;
  pairs: PairMotion[];
}

/** Fewest shared landmarks for a pair (8 unknowns of a homography, with a margin for noise). */
const MIN_SHARED_POINTS = 12;

function shared(
  a: FrameLandmarks,
  b: FrameLandmarks,
  exclude: readonly LandmarkName[] = [],
): [Point[], Point[]] {
  const from: Point[] = [];
  const to: Point[] = [];
  for (const name of LANDMARK_NAMES) {
    const p = a[name];
    const q = b[name];
    if (p && q && !exclude.includes(name)) {
      from.push(p);
      to.push(q);
    }
  }
  return [from, to];
}

const rms = (v: readonly number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0) / Math.max(1, v.length));

export function measurePair(
  a: FlatnessFrame,
  b: FlatnessFrame,
  from: number,
  to: number,
): PairMotion | undefined {
  const [pa, pb] = shared(a.landmarks, b.landmarks);
  if (pa.length < MIN_SHARED_POINTS) return undefined;
  const iod = (a.interOcularPx + b.interOcularPx) / 2;
  if (!(iod > 0)) return undefined;
  const h = fitHomography(pa, pb);
  const hInv = h && invert3(h);
  if (!h || !hInv) return undefined;
  const fwd = homographyErrors(h, pa, pb);
  const bwd = homographyErrors(hInv, pb, pa);
  const residual = Math.sqrt((rms(fwd) ** 2 + rms(bwd) ** 2) / 2) / iod;
  const [ca, cb] = shared(a.landmarks, b.landmarks, NOSE_POINTS);
  const hc = fitHomography(ca, cb);
  let parallax = Number.NaN;
  if (hc && a.landmarks.noseTip && b.landmarks.noseTip) {
    parallax = (homographyErrors(hc, [a.landmarks.noseTip], [b.landmarks.noseTip])[0] as number) / iod;
  }
  return { from, to, motion: similarityResidual(pa, pb) / iod, residual, parallax };
}

function median(v: readonly number[]): number {
  if (v.length === 0) return Number.NaN;
  const s = [...v].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/**
 * Judges the pairs with the most motion (at least `minMotion` and `relativeMotion` × the largest): the
 * face is three-dimensional when, over those pairs, the median nose parallax reaches `minParallax`. The
 * homography residual of the whole face is reported beside it but does not decide: it separates heads
 * from planes half as well (see FLATNESS_THRESHOLDS). Medians (not maxima) keep one frame with misplaced
 * landmarks from making a print look three-dimensional.
 */
export function checkFlatness(frames: readonly FlatnessFrame[], t: FlatnessThresholds): FlatnessResult {
  const pairs: PairMotion[] = [];
  for (let i = 0; i < frames.length; i++)
    for (let j = i + 1; j < frames.length; j++) {
      const m = measurePair(frames[i] as FlatnessFrame, frames[j] as FlatnessFrame, i, j);
      if (m) pairs.push(m);
    }
  const motion = pairs.reduce((s, p) => Math.max(s, p.motion), 0);
  if (pairs.length === 0)
    return {
      verdict: 'too_few_points',
      motion,
      residual: Number.NaN,
      parallax: Number.NaN,
      judgedPairs: 0,
      pairs,
    };
  const cut = Math.max(t.minMotion, t.relativeMotion * motion);
  const judged = pairs.filter((p) => p.motion >= cut);
  const residual = median(judged.map((p) => p.residual));
  const parallax = median(judged.map((p) => p.parallax).filter(Number.isFinite));
  const smallest = Math.min(...frames.map((f) => f.interOcularPx));
  const verdict: FlatnessVerdict =
    smallest < t.minInterOcularPx
      ? 'face_too_small'
      : judged.length === 0
        ? 'insufficient_motion'
        : parallax >= t.minParallax
          ? 'three_dimensional'
          : 'flat';
  return { verdict, motion, residual, parallax, judgedPairs: judged.length, pairs };
}
