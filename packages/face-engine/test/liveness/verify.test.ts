import { describe, expect, it } from 'vitest';
import {
  allowedSequences,
  CALIBRATIONS,
  CHALLENGE_STEPS,
  type Challenge,
  type ChallengeStep,
  checkIdentity,
  cosineToScore,
  DEFAULT_SAME_PERSON_MIN_SCORE,
  type LivenessFrame,
  scoreToCosine,
  verifyLiveness,
} from '../../dist/index.js';
import { genuineSequence, printAttack, Random, replayAttack, warpedStillAttack } from './synthetic.js';

const DIM = 128;

function unit(v: Float32Array): Float32Array {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}
/**
 * A person's dlib templates: one identity direction plus per-capture variation (cosine ≈ 0.97 between
 * captures, as between the frames of one genuine clip in EVALUATION.md).
 */
function person(seed: number): () => Float32Array {
  const r = new Random(seed);
  const identity = unit(Float32Array.from({ length: DIM }, () => r.gauss()));
  return () => unit(identity.map((x) => x + 0.015 * r.gauss()));
}

const ISSUED = 1_000_000;
function challenge(steps: ChallengeStep[]): Challenge {
  return { steps, issuedAt: ISSUED, expiresAt: ISSUED + 60_000 };
}
function withTemplates(frames: LivenessFrame[], capture: () => Float32Array): LivenessFrame[] {
  return frames.map((f) => ({ ...f, template: capture(), passive: { antispoof: 0.7, liveness: 0.8 } }));
}
const receivedAt = (frames: LivenessFrame[]) =>
  ISSUED + 1_500 + ((frames[frames.length - 1] as LivenessFrame).t - (frames[0] as LivenessFrame).t);

describe('checkIdentity', () => {
  const alice = person(1);
  const bob = person(2);
  const still = alice();

  it('accepts one face of the same person throughout, with the scores it measured', () => {
    const r = checkIdentity([1, 1, 1, 1], [alice(), alice(), alice(), alice()], still);
    expect(r.ok).toBe(true);
    expect(r.minScoreToStill).toBeGreaterThan(DEFAULT_SAME_PERSON_MIN_SCORE);
    expect(r.threshold).toBe(DEFAULT_SAME_PERSON_MIN_SCORE);
    // The default is the centre of dlib's calibration (match score 0.5).
    expect(DEFAULT_SAME_PERSON_MIN_SCORE).toBeCloseTo(0.5, 9);
    expect(scoreToCosine(DEFAULT_SAME_PERSON_MIN_SCORE, CALIBRATIONS.dlib)).toBeCloseTo(0.9116, 6);
  });

  it('refuses a frame with two faces or none', () => {
    expect(checkIdentity([1, 2, 1], [alice(), alice(), alice()], still)).toMatchObject({
      ok: false,
      failure: 'MULTIPLE_FACES_IN_FRAME',
      frame: 1,
    });
    expect(checkIdentity([1, 1, 0], [alice(), alice(), undefined], still)).toMatchObject({
      ok: false,
      failure: 'NO_FACE_IN_FRAME',
      frame: 2,
    });
    expect(checkIdentity([1, 1], [alice(), undefined], still).failure).toBe('MISSING_TEMPLATE');
  });

  it('refuses a swap mid-sequence and points at a swapped frame', () => {
    const r = checkIdentity([1, 1, 1, 1, 1], [alice(), alice(), alice(), bob(), bob()], still);
    expect(r).toMatchObject({ ok: false, failure: 'FACE_CHANGED' });
    expect([3, 4]).toContain(r.frame);
    expect(r.minScoreBetweenFrames).toBeLessThan(DEFAULT_SAME_PERSON_MIN_SCORE);
  });

  it("refuses frames of one person with another person's still", () => {
    const r = checkIdentity([1, 1, 1], [bob(), bob(), bob()], still);
    expect(r).toMatchObject({ ok: false, failure: 'FACE_CHANGED' });
    expect(r.minScoreToStill).toBeLessThan(DEFAULT_SAME_PERSON_MIN_SCORE);
  });

  it('takes the threshold as a parameter', () => {
    const frames = [alice(), alice()];
    const s = cosineToScore(0.999, CALIBRATIONS.dlib);
    expect(checkIdentity([1, 1], frames, still, s).ok).toBe(false);
  });
});

describe('verifyLiveness', () => {
  const steps: ChallengeStep[] = ['turn_left', 'look_up', 'turn_right'];

  it('accepts a genuine sequence, with every check named, measured and passed', () => {
    const alice = person(10);
    const frames = withTemplates(genuineSequence({ steps, seed: 11 }).frames, alice);
    const v = verifyLiveness({
      challenge: challenge(steps),
      frames,
      receivedAt: receivedAt(frames),
      still: alice(),
    });
    expect(v.live).toBe(true);
    expect(v.reason).toBeUndefined();
    expect(v.checks.map((c) => c.name)).toEqual([
      'frame_count',
      'timing',
      'one_face_same_person',
      'challenge_followed',
      'not_flat',
      'passive',
      'screen_cues',
    ]);
    // Landmark-only frames carry no pixels, so no screen cue: reported as unmeasured, deciding nothing.
    for (const c of v.checks.filter((c) => c.name !== 'screen_cues')) {
      expect(Number.isFinite(c.value)).toBe(true);
      expect(Number.isFinite(c.threshold)).toBe(true);
      expect(c.passed).toBe(true);
    }
    expect(v.checks.find((c) => c.name === 'screen_cues')).toMatchObject({ decides: false, passed: false });
    expect(v.checks.find((c) => c.name === 'passive')?.decides).toBe(false);
    expect(v.poses.every(Boolean)).toBe(true);
  });

  // Every one of the 80 challenges, 5 times each, performed by different synthetic people.
  const everyChallenge = allowedSequences(CHALLENGE_STEPS, 2, 3);
  const accepted = (effort: 'normal' | 'minimal') => {
    const capture = person(1_000);
    let live = 0;
    for (let i = 0; i < 400; i++) {
      const asked = everyChallenge[i % everyChallenge.length] as ChallengeStep[];
      const frames = withTemplates(
        genuineSequence({ steps: asked, seed: 80_000 + i, effort }).frames,
        capture,
      );
      const v = verifyLiveness({
        challenge: challenge(asked),
        frames,
        receivedAt: receivedAt(frames),
        still: capture(),
      });
      if (v.live) live++;
    }
    return live;
  };
  const deliberate = accepted('normal');
  const smallest = accepted('minimal');
  it(`accepts genuine people following every challenge: deliberate ${deliberate}/400, smallest movements asked ${smallest}/400`, () => {
    expect(deliberate).toBe(400);
    // BPCER ≤ 1% even at the smallest movements the capture page asks for (issue 14's target: ≤ 5%).
    expect(smallest).toBeGreaterThanOrEqual(396);
  });

  it('refuses 100 prints tilted and brought closer as the challenge asks, on the flat-object check too', () => {
    const byCheck = new Map<string, number>();
    for (let i = 0; i < 100; i++) {
      const alice = person(100 + i);
      const asked: ChallengeStep[] = i % 2 ? steps : ['move_closer', 'turn_right'];
      const frames = withTemplates(printAttack({ seed: 200 + i, follow: asked }), alice);
      const v = verifyLiveness({
        challenge: challenge(asked),
        frames,
        receivedAt: receivedAt(frames),
        still: alice(),
      });
      expect(v.live).toBe(false);
      expect(v.checks.find((c) => c.name === 'not_flat')?.passed).toBe(false);
      byCheck.set(`${v.failedCheck}:${v.reason}`, (byCheck.get(`${v.failedCheck}:${v.reason}`) ?? 0) + 1);
    }
    // Tilting a picture does not turn the face in it: the pose estimate mostly sees no turn either.
    expect(
      [...byCheck.keys()].every((k) => k.startsWith('challenge_followed') || k.startsWith('not_flat')),
    ).toBe(true);
  });

  it('refuses a warped still for each step, whatever the challenge', () => {
    for (const step of ['turn_left', 'turn_right', 'look_up', 'look_down', 'move_closer'] as const) {
      const alice = person(300);
      const frames = withTemplates(warpedStillAttack(step, { seed: 301 }), alice);
      const v = verifyLiveness({
        challenge: challenge([step, step === 'turn_left' ? 'turn_right' : 'turn_left']),
        frames,
        receivedAt: receivedAt(frames),
        still: alice(),
      });
      expect(v.live).toBe(false);
      expect(v.checks.find((c) => c.name === 'not_flat')?.passed).toBe(false);
    }
  });

  it('refuses 100 recordings replayed on a moving screen against challenges they do not follow', () => {
    let refusedByChallenge = 0;
    for (let i = 0; i < 100; i++) {
      const alice = person(400 + i);
      const recorded: ChallengeStep[] =
        i % 2 ? ['turn_left', 'turn_right'] : ['look_up', 'turn_left', 'look_down'];
      const asked: ChallengeStep[] =
        i % 2 ? ['turn_right', 'look_up'] : ['turn_left', 'look_up', 'move_closer'];
      const frames = withTemplates(
        replayAttack(genuineSequence({ steps: recorded, seed: 500 + i }).frames, { seed: 600 + i }),
        alice,
      );
      const v = verifyLiveness({
        challenge: challenge(asked),
        frames,
        receivedAt: receivedAt(frames),
        still: alice(),
      });
      expect(v.live).toBe(false);
      if (v.failedCheck === 'challenge_followed') refusedByChallenge++;
    }
    expect(refusedByChallenge).toBe(100);
  });

  it('refuses a person swapped mid-sequence, naming the check', () => {
    const alice = person(700);
    const bob = person(701);
    const seq = genuineSequence({ steps, seed: 702 }).frames;
    const frames = seq.map((f, i) => ({ ...f, template: i < 7 ? alice() : bob() }));
    const v = verifyLiveness({
      challenge: challenge(steps),
      frames,
      receivedAt: receivedAt(frames),
      still: alice(),
    });
    expect(v).toMatchObject({ live: false, failedCheck: 'one_face_same_person', reason: 'FACE_CHANGED' });
  });

  it('refuses late, early, too few and too many frames, with the first failing reason', () => {
    const alice = person(800);
    const frames = withTemplates(genuineSequence({ steps, seed: 801 }).frames, alice);
    const input = { challenge: challenge(steps), frames, still: alice() };
    expect(verifyLiveness({ ...input, receivedAt: ISSUED + 61_000 })).toMatchObject({
      live: false,
      failedCheck: 'timing',
      reason: 'CHALLENGE_EXPIRED',
    });
    expect(verifyLiveness({ ...input, receivedAt: ISSUED + 500 })).toMatchObject({
      failedCheck: 'timing',
      reason: 'SEQUENCE_BEFORE_ISSUE',
    });
    expect(
      verifyLiveness({ ...input, frames: frames.slice(0, 5), receivedAt: receivedAt(frames) }),
    ).toMatchObject({ failedCheck: 'frame_count', reason: 'TOO_FEW_FRAMES' });
    const many = [...frames, ...frames.map((f) => ({ ...f, t: f.t + 10_000 }))];
    expect(verifyLiveness({ ...input, frames: many, receivedAt: receivedAt(many) })).toMatchObject({
      failedCheck: 'frame_count',
      reason: 'TOO_MANY_FRAMES',
    });
  });

  it('never lets the passive scores decide', () => {
    const alice = person(900);
    const frames = genuineSequence({ steps, seed: 901 }).frames.map((f) => ({
      ...f,
      template: alice(),
      passive: { antispoof: 0.01, liveness: 0.02 },
    }));
    const v = verifyLiveness({
      challenge: challenge(steps),
      frames,
      receivedAt: receivedAt(frames),
      still: alice(),
    });
    expect(v.live).toBe(true);
    expect(v.checks.find((c) => c.name === 'passive')).toMatchObject({ passed: false, decides: false });
    const strict = verifyLiveness(
      { challenge: challenge(steps), frames, receivedAt: receivedAt(frames), still: alice() },
      { passiveThreshold: 0.01 },
    );
    expect(strict.checks.find((c) => c.name === 'passive')).toMatchObject({ passed: true, threshold: 0.01 });
  });
});
