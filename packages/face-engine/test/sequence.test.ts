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
  it('spreads key frames over the sequence and templates over the key frames, first and last included', () => {
    expect(DEFAULT_KEY_FRAMES).toBe(3);
    expect(DEFAULT_TEMPLATE_FRAMES).toBe(2);
    const passes = sequencePasses(12);
    expect(passes.flatMap((p, i) => (p === 'template' ? [i] : []))).toEqual([0, 11]);
    expect(passes.flatMap((p, i) => (p === 'key' ? [i] : []))).toEqual([6]);
    expect(passes.filter((p) => p === 'tracked')).toHaveLength(9);
    const wider = sequencePasses(12, { keyFrames: 4, templateFrames: 3 });
    expect(wider).toEqual([
      'template',
      'tracked',
      'tracked',
      'tracked',
      'key',
      'tracked',
      'tracked',
      'template',
      'tracked',
      'tracked',
      'tracked',
      'template',
    ]);
  });

  it("never asks for more key or template frames than there are, and 'all' analyses every frame in full", () => {
    expect(sequencePasses(2, { keyFrames: 5, templateFrames: 5 })).toEqual(['template', 'template']);
    expect(sequencePasses(1)).toEqual(['template']);
    expect(sequencePasses(0)).toEqual([]);
    expect(sequencePasses(5, { keyFrames: 'all' })).toEqual(Array.from({ length: 5 }, () => 'template'));
    // Templates are a subset of the key frames.
    expect(sequencePasses(12, { keyFrames: 2, templateFrames: 4 }).filter((p) => p !== 'tracked')).toEqual([
      'template',
      'template',
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

  it('gives landmarks on every frame, and a face count, passive scores and screen cues on key frames; faceres templates on the template frames only', async () => {
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
      expect(f.template?.length).toBe(pass === 'template' ? TEMPLATE_MODELS.faceres.dim : undefined);
      expect(f.tracked).toBe(pass === 'tracked' ? true : undefined);
      expect(f.passive === undefined).toBe(pass === 'tracked');
      expect(f.screen === undefined).toBe(pass === 'tracked');
    }
  });
});
