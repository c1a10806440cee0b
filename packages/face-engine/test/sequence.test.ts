/** How analyzeSequence splits a sequence into template, key and tracked frames and chains, on a real clip. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIP_FRAMES, clipFrames, LIVENESS_CLIPS } from '../dist/fixtures.js';
import {
  createEngine,
  DEFAULT_KEY_FRAMES,
  DEFAULT_TEMPLATE_FRAMES,
  estimatePose,
  type HumanFaceEngine,
  LANDMARK_NAMES,
  sequencePasses,
  sequencePlan,
  TEMPLATE_MODELS,
  TRACKED_SCALE_CHANGE,
} from '../dist/index.js';

describe('sequencePlan', () => {
  it('detects the first and the last frame, tracks each half from its end, and describes first, middle and last', () => {
    expect(DEFAULT_KEY_FRAMES).toBe(2);
    expect(DEFAULT_TEMPLATE_FRAMES).toBe(3);
    const { passes, chains } = sequencePlan(12);
    const at = (pass: string) => passes.flatMap((p, i) => (p === pass ? [i] : []));
    expect(at('template')).toEqual([0, 11]);
    expect(at('key')).toEqual([]);
    expect(at('tracked-template')).toEqual([6]);
    expect(at('tracked')).toHaveLength(9);
    expect(chains).toEqual([
      [0, 1, 2, 3, 4, 5],
      [11, 10, 9, 8, 7, 6],
    ]);
    expect(sequencePlan(15).chains).toEqual([
      [0, 1, 2, 3, 4, 5, 6],
      [14, 13, 12, 11, 10, 9, 8, 7],
    ]);
  });

  it('tracks forwards between inner detected frames, and both ways into the last gap', () => {
    const { passes, chains } = sequencePlan(12, { keyFrames: 4, templateFrames: 2 });
    expect(passes.flatMap((p, i) => (p === 'template' || p === 'key' ? [i] : []))).toEqual([0, 4, 7, 11]);
    expect(passes.flatMap((p, i) => (p === 'template' || p === 'tracked-template' ? [i] : []))).toEqual([
      0, 11,
    ]);
    expect(chains).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6],
      [7, 8],
      [11, 10, 9],
    ]);
    // Every frame is in one chain, and every chain starts with a detected frame.
    for (const k of [1, 2, 3, 4, 5, 7]) {
      for (const n of [1, 2, 5, 12, 15]) {
        const plan = sequencePlan(n, { keyFrames: k });
        expect(plan.chains.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
        for (const c of plan.chains) {
          expect(['template', 'key']).toContain(plan.passes[c[0] as number]);
          // Each frame after the first is a neighbour of the frame before it.
          for (let i = 1; i < c.length; i++)
            expect(Math.abs((c[i] as number) - (c[i - 1] as number))).toBe(1);
        }
      }
    }
  });

  it("never asks for more key or template frames than there are, and 'all' analyses every frame in full", () => {
    expect(sequencePasses(2, { keyFrames: 5, templateFrames: 5 })).toEqual(['template', 'template']);
    expect(sequencePasses(1)).toEqual(['template']);
    expect(sequencePasses(0)).toEqual([]);
    expect(sequencePasses(5, { keyFrames: 'all' })).toEqual(Array.from({ length: 5 }, () => 'template'));
    expect(sequencePlan(4, { keyFrames: 1, templateFrames: 1 })).toEqual({
      passes: ['template', 'tracked', 'tracked', 'tracked'],
      chains: [[0, 1, 2, 3]],
    });
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

  it('gives landmarks and a face on every frame, passive scores and screen cues on detected or described frames, identity templates on the described ones only', async () => {
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
      // The identity check's model, dlib's, whatever the engine stores.
      const described = pass === 'template' || pass === 'tracked-template';
      expect(f.template?.length).toBe(described ? TEMPLATE_MODELS.dlib.dim : undefined);
      expect(f.tracked).toBe(pass === 'tracked' || pass === 'tracked-template' ? true : undefined);
      expect(f.passive === undefined).toBe(pass === 'tracked');
      expect(f.screen === undefined).toBe(pass === 'tracked');
    }
  });
  it('detects a tracked frame again when the face has grown or shrunk by more than TRACKED_SCALE_CHANGE since the last detection', async () => {
    // The man of cap12 moves closer (his face grows ≈ 1.4× over the clip), then turns.
    const clip = LIVENESS_CLIPS.find((c) => c.id === 'cap12-30');
    if (!clip) throw new Error('clip cap12-30 is gone from LIVENESS_CLIPS');
    const frames = await clipFrames(clip, { frames: 15 });
    const { passes, chains } = sequencePlan(frames.length);
    const r = await engine.analyzeSequence(frames);
    if (!r.ok) throw new Error(`${r.reason}: ${r.message}`);
    const scale = (i: number) => {
      const f = r.frames[i] as (typeof r.frames)[number];
      return estimatePose(f.landmarks ?? {}, f.width)?.scale as number;
    };
    let redetected = 0;
    for (const chain of chains) {
      let detected = scale(chain[0] as number);
      for (const i of chain.slice(1)) {
        const planned = passes[i] as string;
        if (!planned.startsWith('tracked')) continue;
        if (r.frames[i]?.tracked) {
          const ratio = scale(i) / detected;
          expect(ratio).toBeLessThanOrEqual(TRACKED_SCALE_CHANGE);
          expect(ratio).toBeGreaterThanOrEqual(1 / TRACKED_SCALE_CHANGE);
        } else {
          redetected++;
          detected = scale(i);
        }
      }
    }
    expect(redetected).toBeGreaterThan(0);
  });
});
