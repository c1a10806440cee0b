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
  /** Estimated yaw in degrees (HeadPose.yaw). */
  yaw: number;
}

/**
 * Points on the face's vertical midline, above and below the nose, that do not protrude like it (the lips
 * do, by half as much as the nose: they would hide a short nose's protrusion).
 */
const MIDLINE: readonly LandmarkName[] = ['foreheadTop', 'glabella', 'chin'];

/**
 * Signed distance of the nose tip from the line fitted through the midline points, in IOD (positive when
 * the nose is on the image's right of the line). A turning head swings the nose off that line by its
 * protrusion × sin(yaw); on a flat picture, or one bent round a vertical axis, the midline points and the
 * nose are on one straight line of the sheet, which stays a straight line in every view.
 */
export function noseMidlineOffset(lm: FrameLandmarks, interOcular: number): number | undefined {
  const pts = MIDLINE.flatMap((n) => (lm[n] ? [lm[n] as Point] : []));
  const nose = lm.noseTip;
  if (pts.length < 3 || !nose || !(interOcular > 0)) return undefined;
  const mx = pts.reduce((s, p) => s + p[0], 0) / pts.length;
  const my = pts.reduce((s, p) => s + p[1], 0) / pts.length;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (const p of pts) {
    sxx += (p[0] - mx) ** 2;
    syy += (p[1] - my) ** 2;
    sxy += (p[0] - mx) * (p[1] - my);
  }
  // Total least squares direction, oriented downwards (forehead to chin).
  const angle = 0.5 * Math.atan2(2 * sxy, sxx - syy);
  let dx = Math.cos(angle);
  let dy = Math.sin(angle);
  if (dy < 0) {
    dx = -dx;
    dy = -dy;
  }
  return ((nose[0] - mx) * dy - (nose[1] - my) * dx) / interOcular;
}

/**
 * How far the nose stands in front of the midline, in IOD: the slope of the nose's midline offset against
 * sin(yaw) over the frames, less three standard errors (so that noise on a short turn cannot fake it).
 * A real nose stands 0.2-0.5 IOD proud; a sheet, flat or bent round a vertical axis, 0.
 */
export function midlineProtrusion(frames: readonly FlatnessFrame[]): { value: number; yawRange: number } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const f of frames) {
    const off = noseMidlineOffset(f.landmarks, f.interOcularPx);
    if (off !== undefined && Number.isFinite(f.yaw)) {
      xs.push(Math.sin((f.yaw * Math.PI) / 180));
      ys.push(off);
    }
  }
  const yaws = frames.map((f) => f.yaw).filter(Number.isFinite);
  const yawRange = yaws.length ? Math.max(...yaws) - Math.min(...yaws) : 0;
  if (xs.length < 4) return { value: Number.NaN, yawRange };
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxx = 0;
  let sxy = 0;
  xs.forEach((x, i) => {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * ((ys[i] as number) - my);
  });
  if (!(sxx > 0)) return { value: Number.NaN, yawRange };
  const slope = sxy / sxx;
  let rss = 0;
  xs.forEach((x, i) => {
    rss += ((ys[i] as number) - my - slope * (x - mx)) ** 2;
  });
  const se = Math.sqrt(rss / (xs.length - 2) / sxx);
  return { value: slope - 3 * se, yawRange };
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
  /**
   * Below this median whole-face homography residual (IOD) the motion is that of a flat object too. On
   * real mesh landmarks of physically moved prints and screens it separates as well as the parallax (see
   * FLATNESS_THRESHOLDS); undefined: reported only (the synthetic-era behaviour).
   */
  minResidual?: number;
  /** Below this nose protrusion in front of the midline (IOD, see midlineProtrusion): a flat or bent sheet. */
  minMidlineProtrusion: number;
  /** The midline needs a turn: with less yaw range (degrees) the motion is insufficient. */
  minYawRange: number;
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
  /** Nose protrusion in front of the midline, lower bound (IOD). */
  midline: number;
  /** Range of the estimated yaw over the frames (degrees). */
  yawRange: number;
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
 * face is three-dimensional when, over those pairs, the median nose parallax reaches `minParallax` (the
 * nose is not in the plane of the rest of the face), the head turned by `minYawRange`, and the nose stands
 * in front of the midline by `minMidlineProtrusion` (which a print bent round a vertical axis, the one
 * sheet that shows parallax when turned, cannot). The whole-face homography residual is reported, not
 * decisive only when `minResidual` is set (FLATNESS_THRESHOLDS sets it from the real-video evaluation).
 * Medians (not maxima) keep one frame with misplaced landmarks from making a print look three-dimensional.
 */
export function checkFlatness(frames: readonly FlatnessFrame[], t: FlatnessThresholds): FlatnessResult {
  const pairs: PairMotion[] = [];
  for (let i = 0; i < frames.length; i++)
    for (let j = i + 1; j < frames.length; j++) {
      const m = measurePair(frames[i] as FlatnessFrame, frames[j] as FlatnessFrame, i, j);
      if (m) pairs.push(m);
    }
  const motion = pairs.reduce((s, p) => Math.max(s, p.motion), 0);
  const { value: midline, yawRange } = midlineProtrusion(frames);
  if (pairs.length === 0)
    return {
      verdict: 'too_few_points',
      motion,
      residual: Number.NaN,
      parallax: Number.NaN,
      midline,
      yawRange,
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
        : !(parallax >= t.minParallax) || (t.minResidual !== undefined && !(residual >= t.minResidual))
          ? 'flat'
          : yawRange < t.minYawRange
            ? 'insufficient_motion'
            : midline >= t.minMidlineProtrusion
              ? 'three_dimensional'
              : 'flat';
  return { verdict, motion, residual, parallax, midline, yawRange, judgedPairs: judged.length, pairs };
}
