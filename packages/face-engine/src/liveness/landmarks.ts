/**
 * The landmark subset the liveness checks use: points that lie on the facial surface at clearly
 * different depths (nose tip and bridge in front, eye corners and mouth in the middle, cheeks, jaw and
 * temples behind), so that a turning head shows parallax between them, while a flat picture cannot.
 */
import type { Point } from '../types.js';

export const LANDMARK_NAMES = [
  'foreheadTop',
  'glabella',
  'noseBridge',
  'noseMid',
  'noseTip',
  'subnasale',
  'rightEyeOuter',
  'rightEyeInner',
  'leftEyeInner',
  'leftEyeOuter',
  'rightAlar',
  'leftAlar',
  'rightCheek',
  'leftCheek',
  'mouthRight',
  'mouthLeft',
  'upperLip',
  'lowerLip',
  'chin',
  'rightBrowOuter',
  'leftBrowOuter',
  'rightTemple',
  'leftTemple',
  'rightContourEye',
  'leftContourEye',
  'rightContourNose',
  'leftContourNose',
  'rightContourMouth',
  'leftContourMouth',
  'rightJawAngle',
  'leftJawAngle',
  'rightJaw',
  'leftJaw',
  'rightChinSide',
  'leftChinSide',
] as const;

export type LandmarkName = (typeof LANDMARK_NAMES)[number];

/** 2D landmarks of one frame, in pixels (x to the right, y down). Missing points are simply absent. */
export type FrameLandmarks = Partial<Record<LandmarkName, Point>>;

/**
 * Index of each point in MediaPipe FaceMesh's 468-point topology (what @vladmandic/human's `mesh` returns).
 * "right"/"left" are the subject's: for an unmirrored camera, the subject's right eye is on the image's left.
 */
export const MESH_INDEX: Readonly<Record<LandmarkName, number>> = {
  foreheadTop: 10,
  glabella: 9,
  noseBridge: 168,
  noseMid: 197,
  noseTip: 1,
  subnasale: 2,
  rightEyeOuter: 33,
  rightEyeInner: 133,
  leftEyeInner: 362,
  leftEyeOuter: 263,
  rightAlar: 129,
  leftAlar: 358,
  rightCheek: 50,
  leftCheek: 280,
  mouthRight: 61,
  mouthLeft: 291,
  upperLip: 0,
  lowerLip: 17,
  chin: 152,
  rightBrowOuter: 70,
  leftBrowOuter: 300,
  rightTemple: 127,
  leftTemple: 356,
  rightContourEye: 234,
  leftContourEye: 454,
  rightContourNose: 93,
  leftContourNose: 323,
  rightContourMouth: 132,
  leftContourMouth: 361,
  rightJawAngle: 172,
  leftJawAngle: 397,
  rightJaw: 136,
  leftJaw: 365,
  rightChinSide: 149,
  leftChinSide: 378,
};

/** A 3D point in millimetres: x to the image's right, y down, z towards the camera. */
export type Point3 = readonly [x: number, y: number, z: number];

/**
 * A mean adult face in millimetres, origin between the inner eye corners, frontal to the camera. Built from
 * textbook anthropometry (Farkas: inter-canthal ≈ 32 mm, biocular ≈ 88 mm, interpupillary ≈ 63 mm,
 * bizygomatic ≈ 135-140 mm, nasion-menton ≈ 120 mm, mouth width ≈ 50 mm, nasal tip ≈ 20-25 mm proud of the
 * canthi, zygion and gonion 50-60 mm behind them). It only has to be close enough for a pose fit: the
 * subject's own shape differs by several millimetres everywhere.
 */
const HALF: Readonly<Record<string, Point3>> = {
  // [x of the subject's LEFT side point (image right), y, z]; the right side mirrors x.
  EyeOuter: [44, 1, -8],
  EyeInner: [16, 0, 0],
  Alar: [17, 44, 3],
  Cheek: [38, 30, -12],
  mouth: [25, 72, -4],
  BrowOuter: [50, -22, -12],
  Temple: [66, -18, -55],
  ContourEye: [70, 12, -62],
  ContourNose: [68, 40, -58],
  ContourMouth: [62, 66, -52],
  JawAngle: [53, 90, -50],
  Jaw: [44, 104, -34],
  ChinSide: [28, 114, -16],
};

function sides(key: string): [Point3, Point3] {
  const p = HALF[key] as Point3;
  return [[-p[0], p[1], p[2]], p];
}

const [rightEyeOuter, leftEyeOuter] = sides('EyeOuter');
const [rightEyeInner, leftEyeInner] = sides('EyeInner');
const [rightAlar, leftAlar] = sides('Alar');
const [rightCheek, leftCheek] = sides('Cheek');
const [mouthRight, mouthLeft] = sides('mouth');
const [rightBrowOuter, leftBrowOuter] = sides('BrowOuter');
const [rightTemple, leftTemple] = sides('Temple');
const [rightContourEye, leftContourEye] = sides('ContourEye');
const [rightContourNose, leftContourNose] = sides('ContourNose');
const [rightContourMouth, leftContourMouth] = sides('ContourMouth');
const [rightJawAngle, leftJawAngle] = sides('JawAngle');
const [rightJaw, leftJaw] = sides('Jaw');
const [rightChinSide, leftChinSide] = sides('ChinSide');

export const MEAN_FACE_MM: Readonly<Record<LandmarkName, Point3>> = {
  foreheadTop: [0, -62, -8],
  glabella: [0, -18, 8],
  noseBridge: [0, -2, 10],
  noseMid: [0, 20, 16],
  noseTip: [0, 40, 24],
  subnasale: [0, 52, 12],
  upperLip: [0, 64, 11],
  lowerLip: [0, 80, 8],
  chin: [0, 118, -2],
  rightEyeOuter,
  leftEyeOuter,
  rightEyeInner,
  leftEyeInner,
  rightAlar,
  leftAlar,
  rightCheek,
  leftCheek,
  mouthRight,
  mouthLeft,
  rightBrowOuter,
  leftBrowOuter,
  rightTemple,
  leftTemple,
  rightContourEye,
  leftContourEye,
  rightContourNose,
  leftContourNose,
  rightContourMouth,
  leftContourMouth,
  rightJawAngle,
  leftJawAngle,
  rightJaw,
  leftJaw,
  rightChinSide,
  leftChinSide,
};

/** Distance between the eye centres of the mean face, in mm (the unit the checks' residuals are given in). */
export const MEAN_INTEROCULAR_MM = 60;

/** Centre of an eye from its corners, when both are present. */
export function eyeCentre(lm: FrameLandmarks, side: 'right' | 'left'): Point | undefined {
  const a = side === 'right' ? lm.rightEyeOuter : lm.leftEyeOuter;
  const b = side === 'right' ? lm.rightEyeInner : lm.leftEyeInner;
  if (!a || !b) return undefined;
  return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
}

/** Distance between the eye centres in pixels (NaN when an eye is missing). */
export function interOcularPx(lm: FrameLandmarks): number {
  const r = eyeCentre(lm, 'right');
  const l = eyeCentre(lm, 'left');
  if (!r || !l) return Number.NaN;
  return Math.hypot(l[0] - r[0], l[1] - r[1]);
}

/** Landmarks of a FaceMesh result (468 or 478 points, [x, y, z?] in pixels), scaled by `scale`. */
export function landmarksFromMesh(
  mesh: readonly (readonly (number | undefined)[])[],
  scale = 1,
): FrameLandmarks {
  const out: FrameLandmarks = {};
  for (const name of LANDMARK_NAMES) {
    const p = mesh[MESH_INDEX[name]];
    if (p && Number.isFinite(p[0]) && Number.isFinite(p[1])) {
      out[name] = [(p[0] as number) * scale, (p[1] as number) * scale];
    }
  }
  return out;
}
