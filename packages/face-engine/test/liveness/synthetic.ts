/**
 * Synthetic landmark sequences seen through a pinhole camera: a real head (3D landmarks with depth)
 * following a challenge, and flat objects (a print, a screen replaying a recording, a warped still)
 * moved in front of the camera. Seeded, so every case is reproducible from its seed.
 */
import { rng } from '../../dist/eval/attacks.js';
import {
  type ChallengeStep,
  type FrameLandmarks,
  LANDMARK_NAMES,
  type LandmarkName,
  type LivenessFrame,
  MEAN_FACE_MM,
} from '../../dist/index.js';

type V3 = [number, number, number];
type P2 = readonly [number, number];

export const FRAME_WIDTH = 640;
export const FRAME_HEIGHT = 480;
/** A webcam's focal length, about 1.2 × the frame width (≈ 45° horizontal field of view). */
export const FOCAL = 1.2 * FRAME_WIDTH;

export class Random {
  readonly next: () => number;
  private spare: number | undefined;
  constructor(seed: number) {
    this.next = rng(seed);
  }
  uniform(a: number, b: number): number {
    return a + (b - a) * this.next();
  }
  sign(): number {
    return this.next() < 0.5 ? -1 : 1;
  }
  gauss(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    const u = Math.max(1e-12, this.next());
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

/** One person's face: the mean face with individual proportions (width, height, depth) and asymmetries. */
export function subjectFace(r: Random): Record<LandmarkName, V3> {
  const sx = r.uniform(0.88, 1.12);
  const sy = r.uniform(0.88, 1.12);
  const sz = r.uniform(0.8, 1.2);
  const out = {} as Record<LandmarkName, V3>;
  for (const name of LANDMARK_NAMES) {
    const [x, y, z] = MEAN_FACE_MM[name];
    out[name] = [x * sx + 2.5 * r.gauss(), y * sy + 2.5 * r.gauss(), z * sz + 2.5 * r.gauss()];
  }
  return out;
}

/** Head rotation in degrees (same conventions as HeadPose) and translation of the eye-centre point in mm. */
export interface HeadState {
  yaw: number;
  pitch: number;
  roll: number;
  x: number;
  y: number;
  /** distance from the camera in mm */
  z: number;
}

const RAD = Math.PI / 180;

function rotate([x, y, z]: V3, yaw: number, pitch: number, roll: number): V3 {
  // R = Rz(roll) · Ry(yaw) · Rx(pitch), the convention of estimatePose.
  const [cp, sp] = [Math.cos(pitch * RAD), Math.sin(pitch * RAD)];
  const [cy, sy] = [Math.cos(yaw * RAD), Math.sin(yaw * RAD)];
  const [cr, sr] = [Math.cos(roll * RAD), Math.sin(roll * RAD)];
  const y1 = cp * y - sp * z;
  const z1 = sp * y + cp * z;
  const x2 = cy * x + sy * z1;
  const z2 = -sy * x + cy * z1;
  return [cr * x2 - sr * y1, sr * x2 + cr * y1, z2];
}

/** The head turns about a pivot ~95 mm behind the eyes (the neck), not about the face's surface. */
const PIVOT: V3 = [0, 30, -95];

function project(p: V3): P2 {
  // z of the model points is towards the camera: depth shrinks as z grows.
  return [FRAME_WIDTH / 2 + (FOCAL * p[0]) / p[2], FRAME_HEIGHT / 2 + (FOCAL * p[1]) / p[2]];
}

function headPoint(face: Record<LandmarkName, V3>, name: LandmarkName, s: HeadState): V3 {
  const p = face[name];
  const q = rotate([p[0] - PIVOT[0], p[1] - PIVOT[1], p[2] - PIVOT[2]], s.yaw, s.pitch, s.roll);
  return [q[0] + PIVOT[0] + s.x, q[1] + PIVOT[1] + s.y, s.z - (q[2] + PIVOT[2])];
}

export function projectHead(face: Record<LandmarkName, V3>, s: HeadState): Record<LandmarkName, P2> {
  const out = {} as Record<LandmarkName, P2>;
  for (const name of LANDMARK_NAMES) out[name] = project(headPoint(face, name, s));
  return out;
}

export function addNoise(lm: Record<LandmarkName, P2>, sigma: number, r: Random): FrameLandmarks {
  const out: FrameLandmarks = {};
  for (const name of LANDMARK_NAMES) {
    const p = lm[name];
    out[name] = [p[0] + sigma * r.gauss(), p[1] + sigma * r.gauss()];
  }
  return out;
}

const ease = (u: number) => 0.5 - 0.5 * Math.cos(Math.PI * Math.max(0, Math.min(1, u)));

/** The pose change one step asks for, scaled by how far this person goes. */
function stepTarget(step: ChallengeStep, r: Random, base: HeadState, effort: Effort): Partial<HeadState> {
  const [turn, look, closer] = EFFORT[effort];
  switch (step) {
    case 'turn_left':
      return { yaw: base.yaw + r.uniform(...turn) };
    case 'turn_right':
      return { yaw: base.yaw - r.uniform(...turn) };
    case 'look_up':
      return { pitch: base.pitch + r.uniform(...look) };
    case 'look_down':
      return { pitch: base.pitch - r.uniform(...look) };
    case 'move_closer':
      return { z: base.z / r.uniform(...closer) };
  }
}

/**
 * How far people go when asked: 'normal' is a deliberate movement (turns of 22-38°, nods of 16-28°,
 * a lean of a third); 'minimal' is the least the capture page asks for (turns of 18-21°, nods of 13-16°).
 */
export type Effort = 'normal' | 'minimal';
const EFFORT: Record<Effort, [[number, number], [number, number], [number, number]]> = {
  normal: [
    [22, 38],
    [16, 28],
    [1.3, 1.5],
  ],
  minimal: [
    [18, 21],
    [13, 16],
    [1.26, 1.32],
  ],
};

export interface GenuineOptions {
  steps: readonly ChallengeStep[];
  seed: number;
  /** frames per step (the whole sequence has 1 + steps × framesPerStep frames) */
  framesPerStep?: number;
  /** ms between frames */
  frameIntervalMs?: number;
  noisePx?: number;
  startMs?: number;
  effort?: Effort;
}

export interface SyntheticSequence {
  frames: LivenessFrame[];
  /** The noiseless, unrounded head states (for checks of the pose estimate). */
  states: HeadState[];
}

/**
 * A person following the steps: from a rest pose (a little off frontal), to each step's peak and back
 * (approaching is kept: one does not step back after moving closer), with small wobble in the other axes.
 */
export function genuineSequence(o: GenuineOptions): SyntheticSequence {
  const r = new Random(o.seed);
  const face = subjectFace(r);
  const perStep = o.framesPerStep ?? 4;
  const dt = o.frameIntervalMs ?? 200;
  const noise = o.noisePx ?? r.uniform(1, 2);
  const rest: HeadState = {
    yaw: r.uniform(-6, 6),
    pitch: r.uniform(-6, 6),
    roll: r.uniform(-5, 5),
    x: r.uniform(-40, 40),
    y: r.uniform(-30, 30),
    z: r.uniform(380, 650),
  };
  const keys: HeadState[] = [rest];
  let current = { ...rest };
  for (const step of o.steps) {
    const peak = { ...current, ...stepTarget(step, r, rest, o.effort ?? 'normal') };
    keys.push(peak);
    current = step === 'move_closer' ? peak : { ...peak, yaw: rest.yaw, pitch: rest.pitch };
  }
  const states: HeadState[] = [rest];
  for (let k = 0; k < o.steps.length; k++) {
    const from = states[states.length - 1] as HeadState;
    const peak = keys[k + 1] as HeadState;
    const back: HeadState =
      o.steps[k] === 'move_closer' ? peak : { ...peak, yaw: rest.yaw, pitch: rest.pitch };
    // Go to the peak over the first half of the step's frames, hold, and come back.
    for (let f = 1; f <= perStep; f++) {
      const u = f / perStep;
      const toPeak = ease(u / 0.45);
      const toBack = ease((u - 0.8) / 0.2);
      const mix = (a: number, b: number, c: number) => a + (b - a) * toPeak + (c - b) * toBack;
      states.push({
        yaw: mix(from.yaw, peak.yaw, back.yaw) + r.gauss() * 1.2,
        pitch: mix(from.pitch, peak.pitch, back.pitch) + r.gauss() * 1.2,
        roll: from.roll + r.gauss() * 1.5,
        x: from.x + r.gauss() * 3,
        y: from.y + r.gauss() * 3,
        z: mix(from.z, peak.z, back.z),
      });
    }
  }
  const start = o.startMs ?? 1_000;
  const frames = states.map((s, i) => ({
    t: start + i * dt + (i > 0 ? r.uniform(-15, 15) : 0),
    width: FRAME_WIDTH,
    height: FRAME_HEIGHT,
    faces: 1,
    landmarks: addNoise(projectHead(face, s), noise, r),
  }));
  return { frames, states };
}

/** A plane (print or screen) pose: angles in degrees about its centre, distance in mm. */
interface PlaneState {
  tiltX: number;
  tiltY: number;
  roll: number;
  x: number;
  y: number;
  z: number;
}

/** Smooth random path: a few cosine-eased keyframes. */
function planePath(r: Random, n: number, start: PlaneState, amplitude: PlaneState): PlaneState[] {
  const keys: PlaneState[] = [start];
  const count = 2 + Math.floor(r.next() * 3);
  for (let k = 0; k < count; k++) {
    keys.push({
      tiltX: start.tiltX + r.uniform(-1, 1) * amplitude.tiltX,
      tiltY: start.tiltY + r.uniform(-1, 1) * amplitude.tiltY,
      roll: start.roll + r.uniform(-1, 1) * amplitude.roll,
      x: start.x + r.uniform(-1, 1) * amplitude.x,
      y: start.y + r.uniform(-1, 1) * amplitude.y,
      z: start.z / r.uniform(1 - amplitude.z, 1 + amplitude.z),
    });
  }
  const out: PlaneState[] = [];
  for (let i = 0; i < n; i++) {
    const u = (i / Math.max(1, n - 1)) * (keys.length - 1);
    const k = Math.min(keys.length - 2, Math.floor(u));
    const w = ease(u - k);
    const a = keys[k] as PlaneState;
    const b = keys[k + 1] as PlaneState;
    const mix = (key: keyof PlaneState) => a[key] + (b[key] - a[key]) * w;
    out.push({
      tiltX: mix('tiltX'),
      tiltY: mix('tiltY'),
      roll: mix('roll'),
      x: mix('x'),
      y: mix('y'),
      z: mix('z'),
    });
  }
  return out;
}

/**
 * A picture (2D points in mm, centred) held at a plane pose and seen by the camera; with `bendRadius`, the
 * picture is curved around a vertical axis towards the camera (a print held bent round the face).
 */
function viewPlane(
  points: Record<LandmarkName, P2>,
  s: PlaneState,
  bendRadius?: number,
): Record<LandmarkName, P2> {
  const out = {} as Record<LandmarkName, P2>;
  for (const name of LANDMARK_NAMES) {
    const p = points[name];
    const onSheet: V3 = bendRadius
      ? [bendRadius * Math.sin(p[0] / bendRadius), p[1], bendRadius * (Math.cos(p[0] / bendRadius) - 1)]
      : [p[0], p[1], 0];
    const q = rotate(onSheet, s.tiltY, s.tiltX, s.roll);
    out[name] = project([q[0] + s.x, q[1] + s.y, s.z - q[2]]);
  }
  return out;
}

/** Image points → physical picture coordinates (centred, mm) for a picture `widthMm` wide across the face. */
function toPicture(lm: Record<LandmarkName, P2>, mmPerPx: number): Record<LandmarkName, P2> {
  const c = lm.noseBridge;
  const out = {} as Record<LandmarkName, P2>;
  for (const name of LANDMARK_NAMES) {
    const p = lm[name];
    out[name] = [(p[0] - c[0]) * mmPerPx, (p[1] - c[1]) * mmPerPx];
  }
  return out;
}

export interface AttackOptions {
  seed: number;
  frames?: number;
  frameIntervalMs?: number;
  noisePx?: number;
  startMs?: number;
  /** Maximum tilt of the plane in degrees (±). */
  maxTilt?: number;
  /** Tilt (turns, nods) or bring closer (approach) the picture as each step asks, instead of a random path. */
  follow?: readonly ChallengeStep[];
  /** Radius in mm of the curve a print is bent to (around a vertical axis); flat when absent. */
  bendRadius?: number;
}

/** Plane poses of someone tilting a picture the way each step asks (4 frames per step, out and back). */
function followingPath(r: Random, start: PlaneState, steps: readonly ChallengeStep[]): PlaneState[] {
  const out: PlaneState[] = [start];
  let base = start;
  for (const step of steps) {
    const a = r.uniform(25, 40);
    const peak: PlaneState =
      step === 'turn_left'
        ? { ...base, tiltY: base.tiltY + a }
        : step === 'turn_right'
          ? { ...base, tiltY: base.tiltY - a }
          : step === 'look_up'
            ? { ...base, tiltX: base.tiltX + a }
            : step === 'look_down'
              ? { ...base, tiltX: base.tiltX - a }
              : { ...base, z: base.z / r.uniform(1.3, 1.5) };
    const back = step === 'move_closer' ? peak : base;
    for (const w of [0.6, 1, 1, 0]) {
      const to = w === 0 ? back : peak;
      const k = w === 0 ? 1 : w;
      out.push({
        tiltX: base.tiltX + (to.tiltX - base.tiltX) * k + r.gauss(),
        tiltY: base.tiltY + (to.tiltY - base.tiltY) * k + r.gauss(),
        roll: base.roll + r.gauss(),
        x: base.x + (to.x - base.x) * k + 2 * r.gauss(),
        y: base.y + (to.y - base.y) * k + 2 * r.gauss(),
        z: base.z + (to.z - base.z) * k,
      });
    }
    base = back;
  }
  return out;
}

function planeFrames(
  r: Random,
  picture: (i: number) => Record<LandmarkName, P2>,
  o: AttackOptions,
): LivenessFrame[] {
  const n = o.frames ?? 12;
  const noise = o.noisePx ?? r.uniform(1, 2);
  const tilt = o.maxTilt ?? 35;
  const dt = o.frameIntervalMs ?? 200;
  const start: PlaneState = {
    tiltX: r.uniform(-8, 8),
    tiltY: r.uniform(-8, 8),
    roll: r.uniform(-8, 8),
    x: r.uniform(-40, 40),
    y: r.uniform(-30, 30),
    z: r.uniform(380, 650),
  };
  // Zoom 0.8-1.3x about the start distance, tilts up to ±35°.
  const path = o.follow
    ? followingPath(r, start, o.follow)
    : planePath(r, n, start, { tiltX: tilt, tiltY: tilt, roll: 20, x: 60, y: 40, z: 0.25 });
  const t0 = o.startMs ?? 1_000;
  return path.map((s, i) => ({
    t: t0 + i * dt + (i > 0 ? r.uniform(-15, 15) : 0),
    width: FRAME_WIDTH,
    height: FRAME_HEIGHT,
    faces: 1,
    landmarks: addNoise(viewPlane(picture(i), s, o.bendRadius), noise, r),
  }));
}

/** A photo of the person (frontal, as a still of them would be) printed life-size and moved about. */
export function printAttack(o: AttackOptions): LivenessFrame[] {
  const r = new Random(o.seed);
  const face = subjectFace(r);
  const photo = projectHead(face, {
    yaw: r.uniform(-5, 5),
    pitch: r.uniform(-5, 5),
    roll: r.uniform(-4, 4),
    x: 0,
    y: 0,
    z: 500,
  });
  // Life size or a little smaller (a 10x15 cm print of a portrait).
  const picture = toPicture(photo, (500 / FOCAL) * r.uniform(0.7, 1.1));
  return planeFrames(r, () => picture, o);
}

/** A recording of the person turning (a genuine track) shown on a screen that is moved about. */
export function replayAttack(recorded: readonly LivenessFrame[], o: AttackOptions): LivenessFrame[] {
  const r = new Random(o.seed);
  const mmPerPx = r.uniform(0.35, 0.6); // a tablet or laptop screen showing the recording full screen
  const pictures = recorded.map((f) => {
    const lm = {} as Record<LandmarkName, P2>;
    for (const name of LANDMARK_NAMES) lm[name] = f.landmarks?.[name] as P2;
    // Centre on the screen centre (the recording's frame centre), not on the face.
    const out = {} as Record<LandmarkName, P2>;
    for (const name of LANDMARK_NAMES) {
      const p = lm[name];
      out[name] = [(p[0] - FRAME_WIDTH / 2) * mmPerPx, (p[1] - FRAME_HEIGHT / 2) * mmPerPx];
    }
    return out;
  });
  return planeFrames(r, (i) => pictures[Math.min(i, pictures.length - 1)] as Record<LandmarkName, P2>, {
    ...o,
    frames: recorded.length,
  });
}

/**
 * One still whose landmarks are warped in 2D to fake a turn: a perspective warp that narrows one side of
 * the face (what a "3D photo" app or an attacker's script can do with a single image), with a shift.
 */
export function warpedStillAttack(step: ChallengeStep, o: AttackOptions): LivenessFrame[] {
  const r = new Random(o.seed);
  const face = subjectFace(r);
  const z = r.uniform(400, 600);
  const still = projectHead(face, { yaw: 0, pitch: 0, roll: r.uniform(-4, 4), x: 0, y: 0, z });
  const n = o.frames ?? 9;
  const noise = o.noisePx ?? r.uniform(1, 2);
  const dt = o.frameIntervalMs ?? 200;
  const strength = r.uniform(0.0008, 0.0016); // perspective term per pixel
  const [gx, gy] =
    step === 'turn_left'
      ? [strength, 0]
      : step === 'turn_right'
        ? [-strength, 0]
        : step === 'look_up'
          ? [0, strength]
          : step === 'look_down'
            ? [0, -strength]
            : [0, 0];
  const zoom = step === 'move_closer' ? r.uniform(1.25, 1.4) : 1;
  const t0 = o.startMs ?? 1_000;
  const cx = FRAME_WIDTH / 2;
  const cy = FRAME_HEIGHT / 2;
  return Array.from({ length: n }, (_, i) => {
    const w = Math.sin((Math.PI * i) / (n - 1)); // out and back
    const shiftX = (gx > 0 ? 1 : gx < 0 ? -1 : 0) * 25 * w;
    const shiftY = (gy > 0 ? -1 : gy < 0 ? 1 : 0) * 20 * w;
    const s = 1 + (zoom - 1) * Math.min(1, (2 * i) / (n - 1));
    const lm = {} as Record<LandmarkName, P2>;
    for (const name of LANDMARK_NAMES) {
      const [u, v] = still[name];
      const dx = u - cx;
      const dy = v - cy;
      const den = 1 + w * (gx * dx + gy * dy);
      lm[name] = [cx + (s * dx) / den + shiftX, cy + (s * dy) / den + shiftY];
    }
    return {
      t: t0 + i * dt,
      width: FRAME_WIDTH,
      height: FRAME_HEIGHT,
      faces: 1,
      landmarks: addNoise(lm, noise, r),
    };
  });
}
