/** How analyzeSequence splits a sequence into template, key and tracked frames, on a real clip. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIP_FRAMES, clipFrames, LIVENESS_CLIPS } from '../dist/fixtures.js';
import {
  createEngine,
  DEFAULT_KEY_FRAMES,
  DEFAULT_TEMPLATE_FRAMES,
  type HumanFaceEngine,
  LANDMARK_NAMES,
  sequencePasses,
  TEMPLATE_MODELS,
} from '../dist/index.js';

describe('sequencePasses', () => {
  it('detects at the start of each run, and describes the first and the last frame', () => {
    expect(DEFAULT_KEY_FRAMES).toBe(4);
    expect(DEFAULT_TEMPLATE_FRAMES).toBe(2);
    const passes = sequencePasses(12);
    const at = (pass: string) => passes.flatMap((p, i) => (p === pass ? [i] : []));
    expect(at('template')).toEqual([0]);
    expect(at('key')).toEqual([3, 6, 9]);
    expect(at('tracked-template')).toEqual([11]);
    expect(at('tracked')).toHaveLength(7);
    const page = sequencePasses(15);
    expect(page.flatMap((p, i) => (p === 'template' || p === 'key' ? [i] : []))).toEqual([0, 4, 8, 11]);
    expect(sequencePasses(12, { keyFrames: 3, templateFrames: 3 })).toEqual([
      'template',
      'tracked',
      'tracked',
      'tracked',
      'key',
      'tracked',
      'tracked-template',
      'tracked',
      'key',
      'tracked',
      'tracked',
      'tracked-template',
    ]);
  });

  it("never asks for more key or template frames than there are, and 'all' analyses every frame in full", () => {
    expect(sequencePasses(2, { keyFrames: 5, templateFrames: 5 })).toEqual(['template', 'template']);
    expect(sequencePasses(1)).toEqual(['template']);
    expect(sequencePasses(0)).toEqual([]);
    expect(sequencePasses(5, { keyFrames: 'all' })).toEqual(Array.from({ length: 5 }, () => 'template'));
    expect(sequencePasses(4, { keyFrames: 1, templateFrames: 1 })).toEqual([
      'template',
      'tracked',
      'tracked',
      'tracked',
    ]);
  });
});

describe('analyzeSequence (real clip, default passes)', () => {
  let engine: HumanFaceEngine;
  beforeAll(async () => {
    engine = await createEngine({ workers: 2, templateModels: ['dlib'] });
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('gives landmarks and a face on every frame, passive scores and screen cues on detected or described frames, faceres templates on the described ones only', async () => {
    const clip = LIVENESS_CLIPS.find((c) => c.id === 'franck-158_2');
    if (!clip) throw new Error('clip franck-158_2 is gone from LIVENESS_CLIPS');
    const frames = await clipFrames(clip);
    expect(frames).toHaveLength(CLIP_FRAMES);
    const passes = sequencePasses(frames.length);
    const r = await engine.analyzeSequence(frames);
    if (!r.ok) throw new Error(`${r.reason}: ${r.message}`);
    for (const [i, f] of r.frames.entries()) {
      expect(Object.keys(f.landmarks ?? {})).toHaveLength(LANDMARK_NAMES.length);
      expect(f.faces).toBe(1);
      const pass = passes[i];
      // faceres, whatever the engine stores (this one stores dlib only): the identity check's model.
      const described = pass === 'template' || pass === 'tracked-template';
      expect(f.template?.length).toBe(described ? TEMPLATE_MODELS.faceres.dim : undefined);
      expect(f.tracked).toBe(pass === 'tracked' || pass === 'tracked-template' ? true : undefined);
      expect(f.passive === undefined).toBe(pass === 'tracked');
      expect(f.screen === undefined).toBe(pass === 'tracked');
    }
  });
});
