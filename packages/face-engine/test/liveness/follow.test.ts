import { describe, expect, it } from 'vitest';
import {
  type ChallengeStep,
  checkFollowing,
  checkTiming,
  DEFAULT_TIMING,
  estimatePose,
  findMovements,
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
    // The first movement, a turn left, is the opposite of the issued turn right.
    expect(r).toMatchObject({ ok: false, failure: 'UNEXPECTED_MOVEMENT', failedStep: 'turn_left' });
    const extra = checkFollowing(poses(['turn_left', 'turn_right', 'look_up'], 6), [
      'turn_left',
      'turn_right',
    ]);
    // A nod of 16-28° (as estimated here: see the test) on an axis the challenge does not ask about is past
    // UNASKED_TOLERANCE.
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

/** Poses from yaw, pitch (degrees) and scale per frame, the rest fixed. */
function track(yaw: number[], pitch: number[] = [], scale: number[] = []): HeadPose[] {
  return yaw.map((y, i) => ({
    yaw: y,
    pitch: pitch[i] ?? 0,
    roll: 0,
    scale: scale[i] ?? 0.15,
    interOcularPx: 60,
    centre: [200, 150],
    fitError: 0.05,
  }));
}

describe('checkFollowing: excursions from the neutral pose', () => {
  it('counts a head hovering around the threshold as one held movement (hysteresis), not none', () => {
    // 13° / 11° alternating: never two frames in a row at 12°, but one excursion past half of it.
    const p = track([0, 1, 13, 11, 13, 11, 13, 2, 0]);
    const moves = findMovements(p);
    expect(moves.map((m) => m.step)).toEqual(['turn_left']);
    expect(moves[0]).toMatchObject({ start: 2, end: 6, reached: 2, peak: 13 });
    expect(checkFollowing(p, ['turn_left']).ok).toBe(true);
  });

  it('does not count coming back to the centre as a movement, nor going through it as more than one', () => {
    const back = track([0, 10, 22, 24, 15, 5, 0, -1, 0]);
    expect(findMovements(back).map((m) => m.step)).toEqual(['turn_left']);
    // Left, then straight on to the right: two movements, in that order.
    const through = track([0, 12, 22, 22, 8, -10, -22, -22, -20]);
    expect(findMovements(through).map((m) => m.step)).toEqual(['turn_left', 'turn_right']);
    expect(checkFollowing(through, ['turn_left', 'turn_right']).ok).toBe(true);
    expect(checkFollowing(through, ['turn_right', 'turn_left'])).toMatchObject({
      ok: false,
      failure: 'STEPS_OUT_OF_ORDER',
      failedStep: 'turn_right',
    });
  });

  it('measures from the first frame: a head that starts turned and comes to face the camera has turned', () => {
    const p = track([16, 16, 15, 6, 1, 0, 0]);
    expect(findMovements(p).map((m) => m.step)).toEqual(['turn_right']);
  });

  it('counts a turn made while still looking down (a real clip: franck 158 s mirrored)', () => {
    const yaw = [0, -0.8, -0.5, 0.2, -1.1, -3.3, 0.1, 5.9, 8.4, 12.1, 18.0, 26.1];
    const pitch = [0, 0.9, -0.4, -2.9, -3.7, -5.0, -9.3, -14.5, -19.1, -19.2, -18.2, -17.3];
    const r = checkFollowing(track(yaw, pitch), ['look_down', 'turn_left']);
    expect(r.ok).toBe(true);
    expect(r.steps.map((s) => [s.step, s.reached])).toEqual([
      ['look_down', 6],
      ['turn_left', 9],
    ]);
  });

  it('does not count the pitch a turn drags along (under CROSS_AXIS_SHARE of the yaw) as a nod', () => {
    const yaw = [0, 8, 18, 26, 28, 27, 26];
    const pitch = [0, -4, -9, -13, -14, -13, -13];
    expect(findMovements(track(yaw, pitch)).map((m) => m.step)).toEqual(['turn_left']);
    expect(checkFollowing(track(yaw, pitch), ['turn_left', 'look_down'])).toMatchObject({
      ok: false,
      failure: 'STEP_NOT_PERFORMED',
      failedStep: 'look_down',
    });
    // The same pitch once the head has come back from the turn is a nod.
    const later = track([...yaw, 10, 2, 0, 0], [...pitch, -13, -13, -12, -12]);
    expect(checkFollowing(later, ['turn_left', 'look_down']).ok).toBe(true);
  });

  it('tolerates a small nod the challenge does not ask about, not a large one', () => {
    const yaw = [0, 14, 22, 22, 4, -14, -22, -22];
    const small = checkFollowing(track(yaw, [0, 0, 0, 0, 10, 11, 0, 0]), ['turn_left', 'turn_right']);
    expect(small.ok).toBe(true);
    expect(small.movements.map((m) => m.step)).toContain('look_up');
    const large = checkFollowing(track(yaw, [0, 0, 0, 0, 17, 18, 0, 0]), ['turn_left', 'turn_right']);
    expect(large).toMatchObject({ ok: false, failure: 'UNEXPECTED_MOVEMENT', failedStep: 'look_up' });
  });

  it('refuses the opposite of an issued step, however small', () => {
    // A 9° nod down before the issued look up.
    const p = track([0, 14, 22, 22, 2, 0, 0, 0, 0], [0, 0, 0, 0, -9, -9, 2, 14, 15]);
    expect(checkFollowing(p, ['turn_left', 'look_up'])).toMatchObject({
      ok: false,
      failure: 'UNEXPECTED_MOVEMENT',
      failedStep: 'look_down',
    });
    expect(checkFollowing(p, ['turn_left', 'look_down', 'look_up']).ok).toBe(true);
  });

  it('refuses issued steps of different kinds done in the other order', () => {
    const p = track([0, 14, 22, 22, 2, 0, 0, 0], [0, 0, 0, 0, 0, 12, 14, 14]);
    expect(checkFollowing(p, ['turn_left', 'look_up']).ok).toBe(true);
    expect(checkFollowing(p, ['look_up', 'turn_left'])).toMatchObject({
      ok: false,
      failure: 'STEPS_OUT_OF_ORDER',
      failedStep: 'look_up',
    });
  });

  it('needs a step issued twice to be made twice: back past half the threshold in between', () => {
    const steps: ChallengeStep[] = ['turn_left', 'look_up', 'turn_left'];
    const twice = track([0, 14, 22, 4, 0, 0, 2, 16, 22, 22], [0, 0, 0, 2, 12, 14, 3, 0, 0, 0]);
    expect(checkFollowing(twice, steps).ok).toBe(true);
    // Held to the left while looking up: one turn, so the second is missing.
    const held = track([0, 14, 22, 20, 18, 18, 20, 22, 22, 22], [0, 0, 0, 2, 12, 14, 3, 0, 0, 0]);
    expect(checkFollowing(held, steps)).toMatchObject({
      ok: false,
      failure: 'STEP_NOT_PERFORMED',
      failedStep: 'turn_left',
    });
  });

  it('tolerates an approach that was not asked for, and refuses a missing one', () => {
    const yaw = [0, 14, 22, 22, 22, 22];
    const closer = track(yaw, [], [0.15, 0.16, 0.17, 0.19, 0.2, 0.2]);
    expect(checkFollowing(closer, ['turn_left']).ok).toBe(true);
    expect(checkFollowing(closer, ['turn_left', 'move_closer']).ok).toBe(true);
    expect(checkFollowing(track(yaw), ['turn_left', 'move_closer'])).toMatchObject({
      ok: false,
      failure: 'STEP_NOT_PERFORMED',
      failedStep: 'move_closer',
    });
  });
});
