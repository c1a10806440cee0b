/**
 * Active liveness on real video (issue 14's evaluation): genuine clips of LIVENESS_CLIPS (and their
 * mirror images) against the challenge each answers, and rendered attacks (src/eval/liveness-attacks.ts)
 * against challenges: flat prints and screens moved along random smooth paths, genuine clips replayed on
 * a screen against a challenge they do not follow, and stills wrapped round a turning cylinder. Every
 * sequence goes through engine.analyzeSequence (cached per case under .fixtures/cache/, since only the
 * verdicts change when thresholds do) and verifyLiveness. The flat-object thresholds are re-fitted on the
 * "fit" half (even clips, even seeds) and reported on the "test" half as well as on everything.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { type HumanFaceEngine, sequencePlan } from '../engine.js';
import {
  type ClipVideo,
  clipFrames,
  LIVENESS_CLIPS,
  LIVENESS_STILLS,
  type LivenessClip,
  videoStill,
} from '../fixtures.js';
import { TRACKED_SCALE_CHANGE } from '../human-runtime.js';
import { allowedSequences, CHALLENGE_STEPS, type ChallengeStep } from '../liveness/challenge.js';
import { checkFlatness, type FlatnessThresholds } from '../liveness/flatness.js';
import { findMovements } from '../liveness/follow.js';
import { estimatePose } from '../liveness/pose.js';
import {
  FLATNESS_THRESHOLDS,
  type LivenessFrame,
  type LivenessVerdict,
  SCREEN_CUE_THRESHOLD,
  verifyLiveness,
} from '../liveness/verify.js';
import { PAGE_FRAMES } from '../liveness-clips.js';
import { LIVENESS_IDENTITY_MODEL, templateModelOf } from '../models.js';
import { rng } from './attacks.js';
import {
  cameraFrame,
  decodeRgb,
  planeHomography,
  type Rgb,
  renderBackground,
  renderSurface,
  type Surface,
  smoothPath,
  warpCylinder,
  warpPlane,
} from './liveness-attacks.js';
import { CACHE_DIR } from './video-poses.js';

// Named by the identity check's model, by how analyzeSequence treats a 15-frame sequence and by when a
// tracked frame is detected again, so a change of any (models.ts, engine.ts, human-runtime.ts) analyses
// every case again instead of reusing analyses made another way.
const PASS_CODE = { template: 'T', key: 'K', 'tracked-template': 'D', tracked: 't' } as const;
/** A 15-frame sequence's plan as a name: each frame's pass, then each chain's head, direction and length. */
function planCode(): string {
  const { passes, chains } = sequencePlan(15);
  const heads = chains.map((c) => {
    const [head = 0, next = head + 1] = c;
    return `${head}${next < head ? 'b' : 'f'}${c.length}`;
  });
  return `${passes.map((p) => PASS_CODE[p]).join('')}-${heads.join('.')}`;
}
const CASE_CACHE = path.join(
  CACHE_DIR,
  `liveness-eval-v4-${templateModelOf(LIVENESS_IDENTITY_MODEL)?.name}-${planCode()}-s${TRACKED_SCALE_CHANGE}`,
);
const VIDEOS: ClipVideo[] = ['franck', 'cap12', 'cap13'];
const FLAT_PATHS_PER_SURFACE = Number(process.env.EVAL_FLAT_PATHS ?? 20);
const WARPED_PER_DIRECTION = Number(process.env.EVAL_WARPED ?? 4);
const REPLAY_CHALLENGES = 3;
const OUT_W = 400;
const OUT_H = 300;
const FRAMES = PAGE_FRAMES;
/** The clips of the labelled set (LivenessClip.evaluated). */
export const EVALUATED_CLIPS = LIVENESS_CLIPS.filter((c) => c.evaluated !== false);

export type CaseKind = 'genuine' | 'flat_print' | 'flat_screen' | 'replay' | 'warped_turn' | 'swap';

interface StoredFrame extends Omit<LivenessFrame, 'template'> {
  template?: number[];
}

export interface EvalCase {
  kind: CaseKind;
  id: string;
  video: ClipVideo;
  mirror: boolean;
  split: 'fit' | 'test';
  frames: LivenessFrame[];
  still: Float32Array;
  /** The steps the sequence answers (genuine and replayed clips). */
  ownSteps?: ChallengeStep[];
  analysisMs: number;
}

const ISSUABLE = allowedSequences(CHALLENGE_STEPS, 2, 3);
const mirrorStep = (s: ChallengeStep): ChallengeStep =>
  s === 'turn_left' ? 'turn_right' : s === 'turn_right' ? 'turn_left' : s;

async function cached<T>(key: string, make: () => Promise<T>): Promise<T> {
  const file = path.join(CASE_CACHE, `${key}.json`);
  const hit = await readFile(file, 'utf8').catch(() => null);
  if (hit) return JSON.parse(hit) as T;
  const value = await make();
  await mkdir(CASE_CACHE, { recursive: true });
  await writeFile(file, JSON.stringify(value));
  return value;
}

const store = (frames: LivenessFrame[]): StoredFrame[] =>
  frames.map(({ template, ...f }) => ({ ...f, ...(template ? { template: Array.from(template) } : {}) }));
const load = (frames: StoredFrame[]): LivenessFrame[] =>
  frames.map(({ template, ...f }) => ({
    ...f,
    ...(template ? { template: Float32Array.from(template) } : {}),
  }));

async function analyse(
  engine: HumanFaceEngine,
  key: string,
  render: () => Promise<{ image: Buffer; t: number }[]>,
): Promise<{ frames: LivenessFrame[]; analysisMs: number }> {
  const got = await cached(key, async () => {
    const input = await render();
    const t0 = performance.now();
    const seq = await engine.analyzeSequence(input);
    const analysisMs = performance.now() - t0;
    if (!seq.ok) return { failed: `${seq.reason}: ${seq.message}`, frames: [] as StoredFrame[], analysisMs };
    return { frames: store(seq.frames), analysisMs };
  });
  return { frames: load(got.frames), analysisMs: got.analysisMs };
}

export interface Still {
  jpeg: Buffer;
  rgb: Rgb;
  template: Float32Array;
  /** Face box centre in the still, px. */
  centre: [number, number];
  faceWidth: number;
}

/** The still of a video (LIVENESS_STILLS), analysed: the identity reference and the attacks' photo. */
export async function attackStill(
  engine: HumanFaceEngine,
  video: ClipVideo,
  mirror: boolean,
): Promise<Still> {
  const jpeg = await videoStill(video, LIVENESS_STILLS[video], { mirror });
  const r = await engine.analyze(jpeg, { skipQualityChecks: true, livenessStill: true });
  if (!r.ok) throw new Error(`still of ${video}: ${r.reason}`);
  const b = r.face.box;
  return {
    jpeg,
    rgb: await decodeRgb(jpeg),
    template: r.templates[LIVENESS_IDENTITY_MODEL] as Float32Array,
    centre: [b.x + b.width / 2, b.y + b.height / 2],
    faceWidth: b.width,
  };
}

/** Frames of a flat object (the still's print or screen) moved along a random smooth path. */
export async function flatFrames(
  s: Still,
  surface: Surface,
  seed: number,
): Promise<{ image: Buffer; t: number }[]> {
  const r = rng(seed * 7919 + (surface === 'print' ? 1 : 2));
  const { tex, scale, offset } = renderSurface(s.rgb, surface, seed);
  const centre: [number, number] = [offset + s.centre[0] * scale, offset + s.centre[1] * scale];
  const bg = renderBackground(OUT_W, OUT_H, seed + 101);
  const duration = 1500 + r() * 1500;
  const tx = smoothPath(r, 40);
  const ty = smoothPath(r, 25);
  const roll = smoothPath(r, 12);
  const tiltX = smoothPath(r, 30);
  const tiltY = smoothPath(r, 40);
  const zoom = smoothPath(r, 0.2, 1.15);
  const glossy = surface === 'screen' || r() < 0.5;
  const glare = { x: r() * OUT_W, y: r() * OUT_H * 0.6, r: 30 + r() * 60, a: glossy ? 0.25 + 0.35 * r() : 0 };
  const gx = smoothPath(r, 30);
  const blur = 0.3 + r() * 0.9;
  const quality = Math.round(60 + r() * 30);
  const out: { image: Buffer; t: number }[] = [];
  for (let k = 0; k < FRAMES; k++) {
    const u = k / (FRAMES - 1);
    const h = planeHomography(
      { tx: tx(u), ty: ty(u), roll: roll(u), tiltX: tiltX(u), tiltY: tiltY(u), zoom: zoom(u) },
      centre,
      scale,
      OUT_W,
      OUT_H,
    );
    const img = warpPlane(tex, h, bg);
    out.push({
      image: await cameraFrame(img, { glare: { ...glare, x: glare.x + gx(u) }, blur, quality }),
      t: Math.round(u * duration),
    });
  }
  return out;
}

/** A genuine clip shown on a screen held in front of the camera (small smooth motion of the screen). */
export async function replayFrames(
  clip: LivenessClip,
  mirror: boolean,
  seed: number,
): Promise<{ image: Buffer; t: number }[]> {
  const r = rng(seed * 104729 + 3);
  const src = await clipFrames(clip, { mirror, frames: FRAMES });
  const bg = renderBackground(OUT_W, OUT_H, seed + 202);
  const tx = smoothPath(r, 12);
  const ty = smoothPath(r, 8);
  const tiltX = smoothPath(r, 8);
  const tiltY = smoothPath(r, 8);
  const zoom = smoothPath(r, 0.05, 1.1);
  const glare = { x: r() * OUT_W, y: r() * OUT_H * 0.6, r: 40 + r() * 60, a: 0.15 + 0.3 * r() };
  const blur = 0.3 + r() * 0.7;
  const quality = Math.round(65 + r() * 25);
  const out: { image: Buffer; t: number }[] = [];
  for (const [k, f] of src.entries()) {
    const u = k / Math.max(1, src.length - 1);
    const rgb = await decodeRgb(f.image);
    const { tex, scale, offset } = renderSurface(rgb, 'screen', seed);
    const centre: [number, number] = [offset + (rgb.width / 2) * scale, offset + (rgb.height / 2) * scale];
    const h = planeHomography(
      { tx: tx(u), ty: ty(u), roll: 0, tiltX: tiltX(u), tiltY: tiltY(u), zoom: zoom(u) },
      centre,
      scale,
      OUT_W,
      OUT_H,
    );
    out.push({ image: await cameraFrame(warpPlane(tex, h, bg), { glare, blur, quality }), t: f.t });
  }
  return out;
}

/** Frames of the victim at each end of a swap (of 15: the first three and the last three). */
export const SWAP_EDGE_FRAMES = 3;
/** The person in the other recordings (cap12 and cap13 are one man, franck another). */
const otherPerson = (v: ClipVideo): ClipVideo => (v === 'franck' ? 'cap12' : 'franck');

/**
 * A swap: an accomplice answers the challenge (a genuine clip of one person) while the victim (the
 * other person, at rest facing the camera, from their own video) fills the first and the last
 * SWAP_EDGE_FRAMES, scaled to the clip's frame size.
 */
export async function swapFrames(
  clip: LivenessClip,
  mirror: boolean,
): Promise<{ image: Buffer; t: number }[]> {
  const accomplice = await clipFrames(clip, { mirror, frames: FRAMES });
  const victimVideo = otherPerson(clip.video);
  const victim = await clipFrames(
    { video: victimVideo, start: LIVENESS_STILLS[victimVideo], duration: 1.4 },
    { mirror, frames: FRAMES },
  );
  const first = accomplice[0] as { image: Buffer };
  const { width, height } = await sharp(first.image).metadata();
  return Promise.all(
    accomplice.map(async (f, k) => {
      if (k >= SWAP_EDGE_FRAMES && k < FRAMES - SWAP_EDGE_FRAMES) return f;
      const v = victim[k] as { image: Buffer };
      return {
        image: await sharp(v.image).resize(width, height, { fit: 'cover' }).jpeg({ quality: 90 }).toBuffer(),
        t: f.t,
      };
    }),
  );
}

/** The still wrapped round a vertical cylinder through the face that turns by up to ±25-45°. */
export async function warpedTurnFrames(
  s: Still,
  direction: 1 | -1,
  seed: number,
): Promise<{ image: Buffer; t: number }[]> {
  const r = rng(seed * 15485863 + (direction > 0 ? 5 : 6));
  const surface: Surface = seed % 2 ? 'screen' : 'print';
  const { tex, scale, offset } = renderSurface(s.rgb, surface, seed);
  const centre: [number, number] = [offset + s.centre[0] * scale, offset + s.centre[1] * scale];
  const radius = s.faceWidth * scale * (0.5 + r() * 0.8);
  const amplitude = 25 + r() * 20;
  const zoom = 1.05 + r() * 0.15;
  const bg = renderBackground(OUT_W, OUT_H, seed + 303);
  const duration = 1200 + r() * 1200;
  const blur = 0.3 + r() * 0.8;
  const quality = Math.round(65 + r() * 25);
  const out: { image: Buffer; t: number }[] = [];
  for (let k = 0; k < FRAMES; k++) {
    const u = k / (FRAMES - 1);
    const ease = u < 0.6 ? (1 - Math.cos((Math.PI * u) / 0.6)) / 2 : 1;
    const img = warpCylinder(tex, centre, scale, radius, direction * amplitude * ease, zoom, [0, 0], bg);
    out.push({ image: await cameraFrame(img, { blur, quality }), t: Math.round(u * duration) });
  }
  return out;
}

export async function buildCases(engine: HumanFaceEngine, log: (m: string) => void): Promise<EvalCase[]> {
  const cases: EvalCase[] = [];
  const stills = new Map<string, Still>();
  for (const v of VIDEOS)
    for (const m of [false, true]) stills.set(`${v}/${m}`, await attackStill(engine, v, m));
  const stillOf = (v: ClipVideo, m: boolean) => stills.get(`${v}/${m}`) as Still;
  const tag = (m: boolean) => (m ? '-m' : '');

  for (const [i, clip] of EVALUATED_CLIPS.entries())
    for (const mirror of [false, true]) {
      const id = `genuine-${clip.id}${tag(mirror)}`;
      const a = await analyse(engine, id, () => clipFrames(clip, { mirror, frames: FRAMES }));
      cases.push({
        kind: 'genuine',
        id,
        video: clip.video,
        mirror,
        split: i % 2 ? 'test' : 'fit',
        ...a,
        still: stillOf(clip.video, mirror).template,
        ownSteps: mirror ? clip.steps.map(mirrorStep) : [...clip.steps],
      });
    }
  log(`genuine: ${cases.length}`);

  for (const v of VIDEOS)
    for (const mirror of [false, true])
      for (const surface of ['print', 'screen'] as const)
        for (let seed = 0; seed < FLAT_PATHS_PER_SURFACE; seed++) {
          const s = stillOf(v, mirror);
          const id = `flat-${surface}-${v}${tag(mirror)}-${seed}`;
          const a = await analyse(engine, id, () => flatFrames(s, surface, seed + (mirror ? 1000 : 0)));
          cases.push({
            kind: surface === 'print' ? 'flat_print' : 'flat_screen',
            id,
            video: v,
            mirror,
            split: seed % 2 ? 'test' : 'fit',
            ...a,
            still: s.template,
          });
        }
  log(`+ flat: ${cases.length}`);

  for (const [i, clip] of EVALUATED_CLIPS.entries())
    for (const mirror of [false, true]) {
      const id = `replay-${clip.id}${tag(mirror)}`;
      const a = await analyse(engine, id, () => replayFrames(clip, mirror, i + (mirror ? 500 : 0)));
      cases.push({
        kind: 'replay',
        id,
        video: clip.video,
        mirror,
        split: i % 2 ? 'test' : 'fit',
        ...a,
        still: stillOf(clip.video, mirror).template,
        ownSteps: mirror ? clip.steps.map(mirrorStep) : [...clip.steps],
      });
    }
  log(`+ replay: ${cases.length}`);

  for (const v of VIDEOS)
    for (const mirror of [false, true])
      for (const direction of [1, -1] as const)
        for (let seed = 0; seed < WARPED_PER_DIRECTION; seed++) {
          const s = stillOf(v, mirror);
          const id = `warped-${v}${tag(mirror)}-${direction > 0 ? 'a' : 'b'}-${seed}`;
          const a = await analyse(engine, id, () => warpedTurnFrames(s, direction, seed));
          cases.push({
            kind: 'warped_turn',
            id,
            video: v,
            mirror,
            split: seed % 2 ? 'test' : 'fit',
            ...a,
            still: s.template,
          });
        }
  log(`+ warped: ${cases.length}`);

  for (const [i, clip] of EVALUATED_CLIPS.entries())
    for (const mirror of [false, true]) {
      const id = `swap-${clip.id}${tag(mirror)}`;
      const a = await analyse(engine, id, () => swapFrames(clip, mirror));
      cases.push({
        kind: 'swap',
        id,
        video: clip.video,
        mirror,
        split: i % 2 ? 'test' : 'fit',
        ...a,
        // The victim's still: what the login is matched against.
        still: stillOf(otherPerson(clip.video), mirror).template,
        ownSteps: mirror ? clip.steps.map(mirrorStep) : [...clip.steps],
      });
    }
  log(`+ swap: ${cases.length}`);
  return cases;
}

/** Measures of the flat-object check with every threshold open, to fit them. */
export function flatMeasures(frames: readonly LivenessFrame[]) {
  const input = frames.flatMap((f) => {
    const p = f.landmarks ? estimatePose(f.landmarks, f.width) : undefined;
    return f.landmarks && p ? [{ landmarks: f.landmarks, interOcularPx: p.scale * f.width, yaw: p.yaw }] : [];
  });
  const { minResidual: _r, ...rest } = FLATNESS_THRESHOLDS;
  const open: FlatnessThresholds = {
    ...rest,
    minParallax: 0,
    minMidlineProtrusion: -1e9,
    minYawRange: 0,
    minInterOcularPx: 0,
  };
  const r = checkFlatness(input, open);
  return {
    parallax: r.parallax,
    residual: r.residual,
    midline: r.midline,
    yawRange: r.yawRange,
    minIod: input.length ? Math.min(...input.map((f) => f.interOcularPx)) : Number.NaN,
    judged: r.judgedPairs,
  };
}

/** The movements a sequence shows (what an attacker who got the matching challenge would need). */
export function shownSteps(frames: readonly LivenessFrame[]): ChallengeStep[] {
  const poses = frames.map((f) => (f.landmarks ? estimatePose(f.landmarks, f.width) : undefined));
  if (!poses[0]) return [];
  return findMovements(poses, 2).map((m) => m.step);
}

export interface Scored {
  c: EvalCase;
  challenge: ChallengeStep[];
  /**
   * 'own': the steps it answers; 'random': a random issuable challenge; 'other': one it does not follow;
   * 'best': the movements it shows when they form an issuable challenge, else a random one.
   */
  against: 'own' | 'random' | 'other' | 'best';
  verdict: LivenessVerdict;
}

export function score(
  cases: readonly EvalCase[],
  flatness: FlatnessThresholds = FLATNESS_THRESHOLDS,
): Scored[] {
  const out: Scored[] = [];
  const now = 1_800_000_000_000;
  const run = (c: EvalCase, steps: ChallengeStep[], against: Scored['against']) => {
    if (c.frames.length === 0) return;
    const last = c.frames[c.frames.length - 1]?.t ?? 0;
    const verdict = verifyLiveness(
      {
        challenge: { steps, issuedAt: now - last - 5_000, expiresAt: now + 55_000 },
        frames: c.frames.map((f) => ({ ...f })),
        receivedAt: now,
        still: c.still,
      },
      { flatness },
    );
    out.push({ c, challenge: steps, against, verdict });
  };
  for (const [n, c] of cases.entries()) {
    const r = rng(n + 17);
    const pick = (pool: ChallengeStep[][]) => pool[Math.floor(r() * pool.length)] as ChallengeStep[];
    // A swap's accomplice answers the challenge the clip follows: the attacker's best case.
    if (c.kind === 'genuine' || c.kind === 'swap') run(c, c.ownSteps as ChallengeStep[], 'own');
    else if (c.kind === 'replay') {
      const own = (c.ownSteps as ChallengeStep[]).join(',');
      const others = ISSUABLE.filter((s) => s.join(',') !== own);
      for (let k = 0; k < REPLAY_CHALLENGES; k++) run(c, pick(others), 'other');
      run(c, c.ownSteps as ChallengeStep[], 'own');
    } else {
      run(c, pick(ISSUABLE), 'random');
      // The attacker's best case: issued exactly the movements the attack shows (when the server could
      // issue that sequence at all); otherwise it faces a random challenge like any other attempt.
      const shown = shownSteps(c.frames);
      run(c, ISSUABLE.some((s) => s.join(',') === shown.join(',')) ? shown : pick(ISSUABLE), 'best');
    }
  }
  return out;
}

/**
 * The two measures that separate flat objects from heads on real landmarks (nose parallax and whole-face
 * homography residual, required together), each at FIT_SHARE of the smallest genuine value on the fit
 * half, rounded down: genuine heads first, since neither measure alone separates (attacks reach past
 * the smallest genuine value on each) and what stops a flat object is needing both. The midline and the
 * yaw range do not separate real landmarks (the mesh regresses a proud nose and an apparent turn even on
 * a tilted print) and keep their values; the screen cue is set above every genuine clip of the fit half.
 */
export const FIT_SHARE = 0.95;

export function fitThresholds(cases: readonly EvalCase[]): {
  fitted: FlatnessThresholds;
  screenCue: number;
  genuine: number;
  attacks: number;
} {
  const fit = cases.filter((c) => c.split === 'fit' && c.frames.length > 0);
  const genuine = fit.filter((c) => c.kind === 'genuine').map((c) => flatMeasures(c.frames));
  const attacks = fit
    .filter((c) => c.kind === 'flat_print' || c.kind === 'flat_screen' || c.kind === 'warped_turn')
    .map((c) => flatMeasures(c.frames));
  const floor3 = (v: number) => Math.floor(v * 1000) / 1000;
  const share = (key: 'parallax' | 'residual', fallback: number) => {
    const g = Math.min(...genuine.map((m) => m[key]).filter(Number.isFinite));
    return Number.isFinite(g) ? floor3(FIT_SHARE * g) : fallback;
  };
  const moire = fit
    .filter((c) => c.kind === 'genuine')
    .map((c) => medianOf(c.frames.flatMap((f) => (f.screen ? [f.screen.moire] : []))));
  const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;
  return {
    fitted: {
      ...FLATNESS_THRESHOLDS,
      minParallax: share('parallax', FLATNESS_THRESHOLDS.minParallax),
      minResidual: share('residual', FLATNESS_THRESHOLDS.minResidual ?? 0),
    },
    screenCue: round(Math.max(...moire.filter(Number.isFinite)) + 0.2, 1),
    genuine: genuine.length,
    attacks: attacks.length,
  };
}

/** Median of the finite values (the upper one of an even count); NaN when there are none. */
export function medianOf(v: number[]): number {
  const s = v.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? (s[s.length >> 1] as number) : Number.NaN;
}

export { SCREEN_CUE_THRESHOLD };
