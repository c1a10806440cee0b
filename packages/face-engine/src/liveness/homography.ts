/**
 * Plane-to-plane maps between two views of the same points: a homography (normalised DLT, Hartley &
 * Zisserman §4.4) and a similarity (Umeyama) fit, with their residuals.
 */
import type { Point } from '../types.js';
import { invert3, type Mat3, mul3, smallestEigenvector } from './linalg.js';

/** Hartley normalisation: centroid to the origin, mean distance √2. */
function normaliser(points: readonly Point[]): Mat3 {
  const n = points.length;
  let cx = 0;
  let cy = 0;
  for (const p of points) {
    cx += p[0] / n;
    cy += p[1] / n;
  }
  let d = 0;
  for (const p of points) d += Math.hypot(p[0] - cx, p[1] - cy) / n;
  const s = d > 0 ? Math.SQRT2 / d : 1;
  return [s, 0, -s * cx, 0, s, -s * cy, 0, 0, 1];
}

export function applyHomography(h: Mat3, p: Point): Point {
  const w = h[6] * p[0] + h[7] * p[1] + h[8];
  return [(h[0] * p[0] + h[1] * p[1] + h[2]) / w, (h[3] * p[0] + h[4] * p[1] + h[5]) / w];
}

/** The homography H with to ≈ H·from (at least 4 pairs), or undefined when the points are degenerate. */
export function fitHomography(from: readonly Point[], to: readonly Point[]): Mat3 | undefined {
  const n = from.length;
  if (n < 4 || to.length !== n) return undefined;
  const tf = normaliser(from);
  const tt = normaliser(to);
  const ata = new Float64Array(81);
  const row = new Float64Array(9);
  const addRow = () => {
    for (let r = 0; r < 9; r++) {
      const vr = row[r] as number;
      if (vr === 0) continue;
      for (let c = 0; c < 9; c++) ata[r * 9 + c] = (ata[r * 9 + c] as number) + vr * (row[c] as number);
    }
  };
  for (let i = 0; i < n; i++) {
    const [x, y] = applyHomography(tf, from[i] as Point);
    const [u, v] = applyHomography(tt, to[i] as Point);
    row.set([0, 0, 0, -x, -y, -1, v * x, v * y, v]);
    addRow();
    row.set([x, y, 1, 0, 0, 0, -u * x, -u * y, -u]);
    addRow();
  }
  const { vector } = smallestEigenvector(ata, 9);
  const hn = Array.from(vector) as Mat3;
  const ttInv = invert3(tt);
  if (!ttInv) return undefined;
  const h = mul3(mul3(ttInv, hn), tf);
  if (!h.every(Number.isFinite) || Math.abs(h[8]) < 1e-12) return undefined;
  return h.map((v) => v / h[8]) as Mat3;
}

/** Per-point distances between H·from and to (Infinity where a point maps to infinity). */
export function homographyErrors(h: Mat3, from: readonly Point[], to: readonly Point[]): number[] {
  return from.map((p, i) => {
    const q = applyHomography(h, p);
    const t = to[i] as Point;
    const e = Math.hypot(q[0] - t[0], q[1] - t[1]);
    return Number.isFinite(e) ? e : Number.POSITIVE_INFINITY;
  });
}

/** RMS residual of the best similarity (rotation, uniform scale, shift) from `from` to `to`. */
export function similarityResidual(from: readonly Point[], to: readonly Point[]): number {
  const n = from.length;
  let fx = 0;
  let fy = 0;
  let tx = 0;
  let ty = 0;
  for (let i = 0; i < n; i++) {
    fx += (from[i] as Point)[0] / n;
    fy += (from[i] as Point)[1] / n;
    tx += (to[i] as Point)[0] / n;
    ty += (to[i] as Point)[1] / n;
  }
  // Complex least squares: to - t̄ ≈ z · (from - f̄), z = Σ conj(a) b / Σ |a|².
  let re = 0;
  let im = 0;
  let norm = 0;
  for (let i = 0; i < n; i++) {
    const ax = (from[i] as Point)[0] - fx;
    const ay = (from[i] as Point)[1] - fy;
    const bx = (to[i] as Point)[0] - tx;
    const by = (to[i] as Point)[1] - ty;
    re += ax * bx + ay * by;
    im += ax * by - ay * bx;
    norm += ax * ax + ay * ay;
  }
  if (norm === 0) return 0;
  re /= norm;
  im /= norm;
  let err = 0;
  for (let i = 0; i < n; i++) {
    const ax = (from[i] as Point)[0] - fx;
    const ay = (from[i] as Point)[1] - fy;
    const px = tx + re * ax - im * ay;
    const py = ty + im * ax + re * ay;
    err += (px - (to[i] as Point)[0]) ** 2 + (py - (to[i] as Point)[1]) ** 2;
  }
  return Math.sqrt(err / n);
}
