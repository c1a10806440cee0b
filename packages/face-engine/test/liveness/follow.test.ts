import { describe, expect, it } from 'vitest';
import {
  type ChallengeStep,
  checkFollowing,
  checkTiming,
  DEFAULT_TIMING,
  estimatePose,
  type HeadPose,
} from '../../dist/index.js';
import { genuineSequence } from './synthetic.js';

const challenge = { issuedAt: 100_000, expiresAt: 160_000 };
const every = (n: number, dt: number, t0 = 0) => Array.from({ length: n }, (_, i) => t0 + i * dt);

describe('checkTiming', () => {
  it('accepts 12 frames over 2.2 s received 5 s after issue', () => {
    const r = checkTiming(every(12, 200), challenge, 105_000);
    expect(r).toMatchObject({ ok: true, durationMs: 2_200, maxGapMs: 200, elapsedSinceIssueMs: 5_000 });
  });

  it('uses only differences of the client clock (any origin)', () => {
    expect(checkTiming(every(12, 200, -5e12), challenge, 105_000).ok).toBe(true);
    expect(checkTiming(every(12, 200, 9e12), challenge, 105_000).ok).toBe(true);
  });

  const cases: [string, number[], number, string][] = [
    ['a repeated timestamp', [0, 200, 400, 400, 600, 800, 1000, 1200], 105_000, 'TIMESTAMPS_NOT_INCREASING'],
    [
      'a timestamp going back',
      [0, 200, 400, 300, 600, 800, 1000, 1200],
      105_000,
      'TIMESTAMPS_NOT_INCREASING',
    ],
    ['a non-finite timestamp', [0, 200, Number.NaN, 600, 800, 1000], 105_000, 'TIMESTAMPS_NOT_INCREASING'],
    ['12 frames in 0.55 s (too fast)', every(12, 50), 105_000, 'SEQUENCE_TOO_SHORT'],
    ['12 frames over 6.6 s (too slow)', every(12, 600), 110_000, 'SEQUENCE_TOO_LONG'],
    [
      'a 1.2 s hole between frames',
      [0, 200, 400, 1600, 1800, 2000, 2200, 2400],
      105_000,
      'FRAME_GAP_TOO_LONG',
    ],
    // 2.2 s of frames received 1 s after issue: the capture began before the challenge existed.
    ['a sequence longer than the time since issue', every(12, 200), 101_000, 'SEQUENCE_BEFORE_ISSUE'],
    ['frames received after the expiry', every(12, 200), 160_001, 'CHALLENGE_EXPIRED'],
  ];
  for (const [name, ts, receivedAt, failure] of cases) {
    it(`refuses ${name}: ${failure}`, () => {
      const r = checkTiming(ts, challenge, receivedAt);
      expect(r.ok).toBe(false);
      expect(r.failure).toBe(failure);
    });
  }

  it('has the documented default bounds', () => {
    expect(DEFAULT_TIMING).toEqual({ minDurationMs: 800, maxDurationMs: 6_000, maxFrameGapMs: 1_000 });
  });
});

function poses(steps: ChallengeStep[], seed: number, framesPerStep = 4): (HeadPose | undefined)[] {
  const { frames } = genuineSequence({ steps, seed, framesPerStep });
  return frames.map((f) => estimatePose(f.landmarks ?? {}, f.width));
}

describe('checkFollowing', () => {
  it('matches each issued step, in order, with its evidence', () => {
    const steps: ChallengeStep[] = ['turn_left', 'look_up', 'turn_right'];
    const r = checkFollowing(poses(steps, 1), steps);
    expect(r.ok).toBe(true);
    expect(r.steps.map((s) => s.step)).toEqual(steps);
    for (const [k, s] of r.steps.entries()) {
      expect(s.peak).toBeGreaterThanOrEqual(s.threshold);
      expect(s.end - s.start + 1).toBeGreaterThanOrEqual(2);
      expect(s.peakFrame).toBeGreaterThanOrEqual(s.start);
      expect(s.peakFrame).toBeLessThanOrEqual(s.end);
      if (k > 0) expect(s.start).toBeGreaterThan((r.steps[k - 1] as { end: number }).end);
    }
  });

  it('accepts moving closer, whose effect lasts until the end', () => {
    const steps: ChallengeStep[] = ['move_closer', 'turn_right'];
    const r = checkFollowing(poses(steps, 2), steps);
    expect(r.ok).toBe(true);
    expect(r.steps[0]?.peak).toBeGreaterThan(1.2);
  });

  it('refuses the right steps in the wrong order', () => {
    const r = checkFollowing(poses(['turn_right', 'turn_left'], 3), ['turn_left', 'turn_right']);
    expect(r).toMatchObject({ ok: false, failure: 'STEPS_OUT_OF_ORDER', failedStep: 'turn_left' });
  });

  it('refuses a missing step', () => {
    const r = checkFollowing(poses(['turn_left'], 4), ['turn_left', 'look_down']);
    expect(r).toMatchObject({ ok: false, failure: 'STEP_NOT_PERFORMED', failedStep: 'look_down' });
  });

  it('refuses a movement that was not asked for (a recording doing every movement in turn)', () => {
    const everything: ChallengeStep[] = ['turn_left', 'look_up', 'turn_right', 'look_down'];
    const r = checkFollowing(poses(everything, 5, 3), ['look_up', 'turn_right']);
    expect(r).toMatchObject({ ok: false, failure: 'UNEXPECTED_MOVEMENT', failedStep: 'look_up' });
    const extra = checkFollowing(poses(['turn_left', 'turn_right', 'look_up'], 6), [
      'turn_left',
      'turn_right',
    ]);
    expect(extra).toMatchObject({ ok: false, failure: 'UNEXPECTED_MOVEMENT', failedStep: 'look_up' });
  });

  it('refuses a movement held for fewer frames than minHoldFrames', () => {
    const steps: ChallengeStep[] = ['turn_left', 'turn_right'];
    const held = poses(steps, 7, 4);
    const r = checkFollowing(held, steps, { minHoldFrames: 5 });
    expect(r).toMatchObject({ ok: false, failure: 'STEP_NOT_PERFORMED', failedStep: 'turn_left' });
  });

  it('refuses a sequence with fewer than two poses or no first pose', () => {
    expect(checkFollowing([undefined, ...poses(['turn_left'], 8).slice(1)], ['turn_left']).failure).toBe(
      'TOO_FEW_POSES',
    );
  });
});
