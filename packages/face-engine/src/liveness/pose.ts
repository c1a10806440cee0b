/**
 * Head pose of one frame from its 2D landmarks: a scaled-orthographic fit of the mean 3D face (the "POS"
 * step of POSIT). Independent of the detector's own pose output, so it works the same on any engine's
 * landmarks; Human's `rotation.angle` comes from the mesh's predicted depth, which a photo has too.
 */
import type { Point } from '../types.js';
import {
  type FrameLandmarks,
  interOcularPx,
  LANDMARK_NAMES,
  MEAN_FACE_MM,
  MEAN_INTEROCULAR_MM,
} from './landmarks.js';
import { invert3, type Mat3 } from './linalg.js';

/**
 * Angles in degrees. yaw > 0: the nose moves towards the image's right (the subject turns to their own
 * left, in an unmirrored camera); pitch > 0: looking up; roll > 0: clockwise on screen.
 */
export interface HeadPose {
  yaw: number;
  pitch: number;
  roll: number;
  /**
   * Size of the face relative to the frame: the inter-ocular distance the face would have if frontal, over
   * the frame width. Unlike the measured inter-ocular distance it does not shrink when the head turns.
   */
  scale: number;
  /** Measured inter-ocular distance in pixels. */
  interOcularPx: number;
  /** Centre of the fitted face (the point between the inner eye corners), in pixels. */
  centre: Point;
  /** RMS distance between the landmarks and the fitted mean face, in inter-ocular units (fit quality). */
  fitError: number;
}

/** Fewest landmarks with which the pose is estimated (6 give 8 unknowns a little redundancy). */
const MIN_POSE_POINTS = 8;

/** Pose of one face, or undefined when too few landmarks are present. */
export function estimatePose(landmarks: FrameLandmarks, frameWidth: number): HeadPose | undefined {
  const model: number[][] = [];
  const image: Point[] = [];
  for (const name of LANDMARK_NAMES) {
    const p = landmarks[name];
    if (p) {
      model.push([...MEAN_FACE_MM[name]]);
      image.push(p);
    }
  }
  const n = model.length;
  if (n < MIN_POSE_POINTS || !(frameWidth > 0)) return undefined;
  const mc = [0, 0, 0];
  const ic = [0, 0];
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) mc[k] = (mc[k] as number) + (model[i]?.[k] as number) / n;
    ic[0] = (ic[0] as number) + (image[i]?.[0] as number) / n;
    ic[1] = (ic[1] as number) + (image[i]?.[1] as number) / n;
  }
  // Least squares for the 2x3 affine A with (u - ic) = A (X - mc): A = (U Xᵀ)(X Xᵀ)⁻¹.
  const xxt = new Array(9).fill(0) as Mat3;
  const uxt = [new Float64Array(3), new Float64Array(3)];
  for (let i = 0; i < n; i++) {
    const x = (model[i] as number[]).map((v, k) => v - (mc[k] as number));
    const u = [(image[i] as Point)[0] - (ic[0] as number), (image[i] as Point)[1] - (ic[1] as number)];
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 3; c++)
        xxt[r * 3 + c] = (xxt[r * 3 + c] as number) + (x[r] as number) * (x[c] as number);
      for (let row = 0; row < 2; row++)
        (uxt[row] as Float64Array)[r] =
          ((uxt[row] as Float64Array)[r] as number) + (u[row] as number) * (x[r] as number);
    }
  }
  const inv = invert3(xxt);
  if (!inv) return undefined;
  const rows = uxt.map((row) =>
    [0, 1, 2].map((c) => [0, 1, 2].reduce((s, k) => s + (row[k] as number) * (inv[k * 3 + c] as number), 0)),
  );
  const a1 = rows[0] as number[];
  const a2 = rows[1] as number[];
  const s1 = Math.hypot(...a1);
  const s2 = Math.hypot(...a2);
  if (!(s1 > 0 && s2 > 0)) return undefined;
  const [r1, r2] = orthonormalRows(
    a1.map((v) => v / s1),
    a2.map((v) => v / s2),
  );
  const r3 = cross(r1, r2);
  const s = (s1 + s2) / 2;
  // R = Rz(roll) · Ry(yaw) · Rx(pitch); its third row is [-sin yaw, cos yaw sin pitch, cos yaw cos pitch].
  const deg = 180 / Math.PI;
  const yaw = Math.asin(Math.max(-1, Math.min(1, -(r3[0] as number)))) * deg;
  const pitch = Math.atan2(r3[1] as number, r3[2] as number) * deg;
  const roll = Math.atan2(r2[0] as number, r1[0] as number) * deg;
  // The image of the model origin (between the inner eye corners).
  const centre: Point = [(ic[0] as number) - s * dot(r1, mc), (ic[1] as number) - s * dot(r2, mc)];
  let err = 0;
  for (let i = 0; i < n; i++) {
    const x = (model[i] as number[]).map((v, k) => v - (mc[k] as number));
    const px = (ic[0] as number) + s * dot(r1, x);
    const py = (ic[1] as number) + s * dot(r2, x);
    err += (px - (image[i] as Point)[0]) ** 2 + (py - (image[i] as Point)[1]) ** 2;
  }
  const iodFrontalPx = s * MEAN_INTEROCULAR_MM;
  return {
    yaw,
    pitch,
    roll,
    scale: iodFrontalPx / frameWidth,
    interOcularPx: interOcularPx(landmarks),
    centre,
    fitError: Math.sqrt(err / n) / iodFrontalPx,
  };
}

const dot = (a: readonly number[], b: readonly number[]) =>
  (a[0] as number) * (b[0] as number) +
  (a[1] as number) * (b[1] as number) +
  (a[2] as number) * (b[2] as number);

function cross(a: readonly number[], b: readonly number[]): number[] {
  const [a0, a1, a2] = a as [number, number, number];
  const [b0, b1, b2] = b as [number, number, number];
  return [a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0];
}

/** The closest pair of orthonormal rows to two unit rows: split their angle error evenly. */
function orthonormalRows(a: number[], b: number[]): [number[], number[]] {
  const d = dot(a, b);
  const x = a.map((v, k) => v - (d / 2) * (b[k] as number));
  const y = b.map((v, k) => v - (d / 2) * (a[k] as number));
  const nx = Math.hypot(...x);
  const ny = Math.hypot(...y);
  return [x.map((v) => v / nx), y.map((v) => v / ny)];
}
