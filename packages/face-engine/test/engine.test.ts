import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtures } from '../dist/fixtures.js';
import {
  createEngine,
  type FaceAnalysis,
  type FaceAnalysisOk,
  type HumanFaceEngine,
  LIVENESS_IDENTITY_MODEL,
  TEMPLATE_MODELS,
} from '../dist/index.js';
import { dataUri, pngBomb } from './helpers.js';

const fx = fixtures();
let engine: HumanFaceEngine;

beforeAll(async () => {
  engine = await createEngine({ workers: 2 });
});
afterAll(async () => {
  await engine?.close();
});

function ok(r: FaceAnalysis): FaceAnalysisOk {
  if (!r.ok) throw new Error(`expected a face, got ${r.reason}: ${r.message}`);
  return r;
}

describe('analyze', () => {
  it('finds one face with sane landmarks (data URI JPEG)', async () => {
    const r = ok(await engine.analyze(await dataUri(fx.personA[0])));
    const { box, landmarks, quality } = r.face;
    expect(r.image).toMatchObject({ width: 720, height: 576, format: 'jpeg' });
    expect(box.width).toBeGreaterThan(200);
    expect(quality.detectionScore).toBeGreaterThan(0.5);
    expect(landmarks).toBeDefined();
    const l = landmarks as NonNullable<typeof landmarks>;
    const inside = (p: readonly [number, number]) =>
      p[0] > box.x && p[0] < box.x + box.width && p[1] > box.y && p[1] < box.y + box.height;
    for (const p of [l.leftEye, l.rightEye, l.nose, l.mouthLeft, l.mouthRight]) expect(inside(p)).toBe(true);
    expect(l.leftEye[0]).toBeLessThan(l.rightEye[0]);
    expect(l.mouthLeft[0]).toBeLessThan(l.mouthRight[0]);
    const eyeY = (l.leftEye[1] + l.rightEye[1]) / 2;
    const mouthY = (l.mouthLeft[1] + l.mouthRight[1]) / 2;
    expect(eyeY).toBeLessThan(l.nose[1]);
    expect(l.nose[1]).toBeLessThan(mouthY);
    expect(quality.interEyePx).toBeGreaterThan(60);
    expect(r.template).toBeInstanceOf(Float32Array);
    expect(r.template.length).toBe(engine.info.templateDim);
    expect(r.liveness.score).toBeGreaterThanOrEqual(0);
    expect(r.liveness.score).toBeLessThanOrEqual(1);
    for (const k of ['decode', 'detect', 'quality', 'liveness', 'embed', 'total'] as const) {
      expect(r.timings[k]).toBeGreaterThanOrEqual(0);
    }
  });

  it('accepts a PNG and a WebP, and honours EXIF orientation', async () => {
    const png = ok(await engine.analyze(await readFile(fx.singleFacePng)));
    expect(png.image.format).toBe('png');
    const webp = await sharp(fx.personA[0]).webp({ quality: 90 }).toBuffer();
    expect(ok(await engine.analyze(webp.toString('base64'))).image.format).toBe('webp');
    // Pixels stored rotated 90° clockwise with EXIF orientation 6 ("rotate 90° CW to display")
    // => after orientation, the picture is upright 720x576 again.
    const stored = await sharp(fx.personA[0]).rotate(-90).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const r = ok(await engine.analyze(stored));
    expect(r.image).toMatchObject({ width: 720, height: 576 });
    const l = r.face.landmarks as NonNullable<FaceAnalysisOk['face']['landmarks']>;
    expect(l.nose[1]).toBeGreaterThan((l.leftEye[1] + l.rightEye[1]) / 2);
  });

  it('rejects a group photo as MULTIPLE_FACES', async () => {
    const r = await engine.analyze(await readFile(fx.group));
    expect(r).toMatchObject({ ok: false, reason: 'MULTIPLE_FACES' });
    expect((r as { faces?: number }).faces).toBeGreaterThan(1);
  });

  it('rejects a photo without a face as NO_FACE', async () => {
    expect(await engine.analyze(await readFile(fx.nonFace))).toMatchObject({ ok: false, reason: 'NO_FACE' });
  });

  it('rejects a tiny face as FACE_TOO_SMALL', async () => {
    const small = await sharp(fx.singleFacePng).resize(160).png().toBuffer();
    expect(await engine.analyze(small)).toMatchObject({ ok: false, reason: 'FACE_TOO_SMALL' });
  });

  it('rejects dark, overexposed, blurred and cut-off faces with their own codes', async () => {
    const dark = await sharp(fx.personB).linear(0.25, 0).jpeg().toBuffer();
    const bright = await sharp(fx.personB).linear(1.8, 60).jpeg().toBuffer();
    const blurred = await sharp(fx.personA[0]).blur(8).jpeg().toBuffer();
    const meta = await sharp(fx.personB).metadata();
    const cut = await sharp(fx.personB)
      .extract({
        left: 0,
        top: 0,
        width: Math.round((meta.width as number) * 0.55),
        height: meta.height as number,
      })
      .jpeg()
      .toBuffer();
    const [a, b, c, d] = await Promise.all([dark, bright, blurred, cut].map((x) => engine.analyze(x)));
    expect(a).toMatchObject({ ok: false, reason: 'FACE_TOO_DARK' });
    expect(b).toMatchObject({ ok: false, reason: 'FACE_TOO_BRIGHT' });
    expect(c).toMatchObject({ ok: false, reason: 'FACE_BLURRED' });
    expect(d).toMatchObject({ ok: false, reason: 'FACE_CUT_OFF' });
    for (const r of [a, b, c, d]) expect((r as { message: string }).message.length).toBeGreaterThan(10);
  });

  it('matches the same person across two photos and keeps different people apart', async () => {
    const [a1, a2, b, c1] = await Promise.all(
      [fx.personA[0], fx.personA[1], fx.personB, fx.personC[0]].map(async (f) =>
        ok(await engine.analyze(await readFile(f))),
      ),
    );
    const same = engine.compare(a1.template, a2.template);
    expect(same).toBeGreaterThanOrEqual(0.9);
    for (const [x, y] of [
      [a1, b],
      [a2, b],
      [a1, c1],
      [b, c1],
    ] as const) {
      expect(engine.compare(x.template, y.template)).toBeLessThan(0.85);
    }
    // templates survive a base64 round trip (how the server stores them)
    const idx = engine.createIndex();
    idx.load([
      { id: 'A', template: Buffer.from(a1.template.buffer).toString('base64') },
      { id: 'B', template: b.template },
      { id: 'C', template: c1.template },
    ]);
    const hits = idx.search(a2.template, 3);
    expect(hits[0]?.id).toBe('A');
    expect(hits[0]?.score).toBeCloseTo(same, 5);
  });

  it("returns every model's template, and compares and searches each model on its own scale", async () => {
    const [a1, a2, b] = await Promise.all(
      [fx.personA[0], fx.personA[1], fx.personB].map(async (f) =>
        ok(await engine.analyze(await readFile(f))),
      ),
    );
    expect(Object.keys(a1.templates).sort()).toEqual(
      Object.values(TEMPLATE_MODELS)
        .map((m) => m.id)
        .sort(),
    );
    expect(a1.templates[engine.info.templateModel]).toBe(a1.template);
    for (const m of Object.values(TEMPLATE_MODELS)) {
      const t1 = a1.templates[m.id] as Float32Array;
      expect(t1.length).toBe(m.dim);
      expect(Math.hypot(...t1)).toBeCloseTo(1, 5);
      const same = engine.compare(t1, a2.templates[m.id] as Float32Array, m.id);
      const other = engine.compare(t1, b.templates[m.id] as Float32Array, m.id);
      expect(same).toBeGreaterThan(0.9);
      expect(other).toBeLessThan(0.5);
      const idx = engine.createIndex({ templateModel: m.name });
      idx.add('A', t1);
      idx.add('B', b.templates[m.id] as Float32Array);
      expect(idx.search(a2.templates[m.id] as Float32Array, 1)[0]).toEqual({
        id: 'A',
        score: expect.closeTo(same, 5),
      });
    }
    // A template of one model is refused by the other's compare and index (different dimension).
    expect(() =>
      engine.compare(a1.templates[TEMPLATE_MODELS.dlib.id] as Float32Array, a2.template, 'faceres'),
    ).toThrow(RangeError);
    expect(() => engine.compare(a1.template, a2.template, 'no-such-model')).toThrow(/Unknown template model/);
  });

  it('runs only the template models it is given (always its own), and names them in the analysis', async () => {
    const only = await createEngine({ workers: 1, templateModel: 'faceres', templateModels: [] });
    try {
      const r = ok(await only.analyze(await readFile(fx.personA[0])));
      expect(Object.keys(r.templates)).toEqual([TEMPLATE_MODELS.faceres.id]);
      expect(only.templateModels.map((m) => m.name)).toEqual(['faceres']);
      // The still of a liveness sequence also gets the identity check's model, which this engine does not store.
      expect(LIVENESS_IDENTITY_MODEL).not.toBe(TEMPLATE_MODELS.faceres.id);
      const still = ok(await only.analyze(await readFile(fx.personA[0]), { livenessStill: true }));
      expect(Object.keys(still.templates).sort()).toEqual(
        [TEMPLATE_MODELS.faceres.id, LIVENESS_IDENTITY_MODEL].sort(),
      );
      expect(still.template).toEqual(r.template);
    } finally {
      await only.close();
    }
  });

  it('gives reason codes for truncated JPEG, PNG bomb and random bytes without breaking the pool', async () => {
    const jpeg = await readFile(fx.personA[0]);
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length / 2));
    const random = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 2654435761) % 256));
    const randomAfterJpegMagic = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), random]);
    const results = await Promise.all([
      engine.analyze(truncated),
      engine.analyze(pngBomb()),
      engine.analyze(random.toString('base64')),
      engine.analyze(randomAfterJpegMagic),
    ]);
    expect(results.map((r) => (r.ok ? 'ok' : r.reason))).toEqual([
      'INVALID_IMAGE',
      'IMAGE_TOO_LARGE',
      'INVALID_IMAGE',
      'INVALID_IMAGE',
    ]);
    expect(engine.pool.restarts).toBe(0);
    ok(await engine.analyze(jpeg));
  });
});
