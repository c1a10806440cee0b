import type { LivenessFrame, SequenceAnalysis } from '@faceproof/face-engine';
import { describe, expect, it } from 'vitest';
import { failureMessage, judgeSequence } from '../../src/flows/liveness/active.js';
import {
  CHALLENGE_TTL_MS,
  CHALLENGES_PER_ATTEMPT,
  challengeRefusal,
  livenessInputRefusal,
  newChallenge,
  presentChallenge,
} from '../../src/flows/liveness/challenge.js';
import type { ActiveLivenessReport, LivenessChallenge } from '../../src/flows/types.js';
import { decideAttempt } from '../../src/flows/validation/attempt.js';
import { analysis, attemptContext, ids, NOW, template, VALIDATION, validation } from './fixtures.js';

const subject = {
  kind: 'validation' as const,
  id: VALIDATION,
  sessionId: 'session',
  attempt: 1,
  maxAttempts: 3,
};

const challenge = (over: Partial<LivenessChallenge> = {}): LivenessChallenge => ({
  ...newChallenge(subject, { now: NOW, newId: ids('c') }).challenge,
  ...over,
});

const bind = { subjectId: VALIDATION, sessionId: 'session', attempt: 1 };

describe('issuing a challenge', () => {
  it('binds 2-3 random steps to the session and attempt, for 60 s, within three per allowed attempt', () => {
    const { challenge: c, limit } = newChallenge(subject, { now: NOW, newId: ids('c') });
    expect(c).toMatchObject({
      subjectKind: 'validation',
      subjectId: VALIDATION,
      sessionId: 'session',
      attempt: 1,
    });
    expect(c.steps.length).toBeGreaterThanOrEqual(2);
    expect(c.steps.length).toBeLessThanOrEqual(3);
    expect(c.steps.some((s) => s === 'turn_left' || s === 'turn_right')).toBe(true);
    expect(Date.parse(c.expiresAt) - Date.parse(c.issuedAt)).toBe(CHALLENGE_TTL_MS);
    expect(limit).toBe(3 * CHALLENGES_PER_ATTEMPT);
  });

  it('draws with the random source it is given, and takes the fixed steps of the test setting', () => {
    const first = newChallenge(subject, { now: NOW, newId: ids('c'), random: () => 0 }).challenge.steps;
    const last = newChallenge(subject, { now: NOW, newId: ids('c'), random: (n) => n - 1 }).challenge.steps;
    expect(first).not.toEqual(last);
    const fixed = newChallenge(subject, { now: NOW, newId: ids('c'), fixedSteps: ['turn_right', 'look_up'] });
    expect(fixed.challenge.steps).toEqual(['turn_right', 'look_up']);
  });

  it('gives an app registration its own limit and no session', () => {
    const { challenge: c, limit } = newChallenge(
      { kind: 'app-registration', id: 'reg' },
      { now: NOW, newId: ids() },
    );
    expect(c).toMatchObject({ subjectKind: 'app-registration', subjectId: 'reg', attempt: 0 });
    expect(c.sessionId).toBeUndefined();
    expect(limit).toBe(10);
  });

  it('presents the mode alone for a passive flow, and the challenge with the limits for an active one', () => {
    const limits = { frames: { min: 8, max: 15 }, durationMs: { min: 800, max: 6000 } };
    expect(presentChallenge('passive', challenge(), limits)).toEqual({ livenessMode: 'passive' });
    const c = challenge();
    expect(presentChallenge('active', c, limits)).toEqual({
      livenessMode: 'active',
      challenge: { _id: c.id, steps: c.steps, issuedAt: c.issuedAt, expiresAt: c.expiresAt, ...limits },
    });
  });
});

describe('admitting a challenge', () => {
  it('accepts the open challenge of this session and attempt before it expires', () => {
    expect(challengeRefusal(challenge(), bind, NOW + CHALLENGE_TTL_MS - 1)).toBeUndefined();
  });

  it.each([
    ['unknown', undefined, bind, 'invalid'],
    ['another validation', challenge({ subjectId: 'other' }), bind, 'invalid'],
    ['another session', challenge({ sessionId: 'old' }), bind, 'invalid'],
    ['answered or replaced', challenge({ closedAt: new Date(NOW).toISOString() }), bind, 'invalid'],
    ['an earlier attempt', challenge({ attempt: 0 }), bind, 'invalid'],
  ] as const)('refuses a challenge of %s as invalid', (_what, c, b, kind) => {
    expect(challengeRefusal(c, b, NOW)?.kind).toBe(kind);
  });

  it('refuses an expired challenge by the server clock', () => {
    const r = challengeRefusal(challenge(), bind, NOW + CHALLENGE_TTL_MS);
    expect(r?.kind).toBe('expired');
    expect(r?.message).toContain(new Date(NOW + CHALLENGE_TTL_MS).toISOString());
  });
});

describe("a request's liveness fields", () => {
  it('takes image alone on a passive flow, and refuses frames there', () => {
    expect(livenessInputRefusal('passive', {}, '/x')).toBeUndefined();
    const r = livenessInputRefusal('passive', { frames: [] }, '/x');
    expect(r).toMatchObject({ status: 400, code: 'INVALID_REQUEST', details: [{ path: '/body/frames' }] });
  });

  it('refuses image alone on an active flow, saying what to send and where to get the challenge', () => {
    const r = livenessInputRefusal('active', {}, '/v2/biometric-validations/liveness-challenge');
    expect(r).toMatchObject({ status: 400, code: 'ACTIVE_LIVENESS_REQUIRED' });
    expect(r?.details[0]?.path).toBe('/body/frames');
    expect(r?.message).toContain('POST /v2/biometric-validations/liveness-challenge');
    expect(r?.message).toContain('8-15 frames');
    expect(livenessInputRefusal('active', { frames: [] }, '/x')?.details[0]?.path).toBe('/body/challengeId');
    expect(livenessInputRefusal('active', { challengeId: 'c', frames: [] }, '/x')).toBeUndefined();
  });
});

/** Frames the engine found one face in, without landmarks: nothing can be measured of the movement. */
const blindFrames = (n: number): LivenessFrame[] =>
  Array.from({ length: n }, (_, i) => ({
    t: 1000 + i * 200,
    width: 320,
    height: 240,
    faces: 1,
    template: template(1),
    passive: { antispoof: 0.9, liveness: 0.9 },
  }));

const judged = (frames: LivenessFrame[], receivedAt = NOW + 5000) =>
  judgeSequence({
    challenge: challenge(),
    sequence: { ok: true, frames, meshAngles: [] },
    still: template(1),
    receivedAt,
    passiveThreshold: 0.6,
  });

describe('judging a sequence', () => {
  it("reports every check of the engine's verdict with finite values or null, and refuses what it cannot measure", () => {
    const j = judged(blindFrames(10));
    if (j.kind !== 'judged') throw new Error('expected a verdict');
    expect(j.report.live).toBe(false);
    expect(j.report.method).toBe('active');
    expect(j.report.checks.map((c) => c.name)).toEqual([
      'frame_count',
      'timing',
      'one_face_same_person',
      'challenge_followed',
      'not_flat',
      'passive',
      'screen_cues',
    ]);
    for (const c of j.report.checks) expect(c.value === null || Number.isFinite(c.value)).toBe(true);
    expect(j.report.failedCheck).toBe('challenge_followed');
    expect(j.passiveScore).toBe(0.9);
    expect(failureMessage(j.report)).toMatch(/^challenge_followed failed \(\w+\)/);
  });

  it('checks the timing against the server clock since the issue', () => {
    // The frames span 1.8 s, but the request arrived 1 s after the challenge was issued.
    const j = judged(blindFrames(10), NOW + 1000);
    if (j.kind !== 'judged') throw new Error('expected a verdict');
    expect(j.report.checks.find((c) => c.name === 'timing')).toMatchObject({ passed: false, decides: true });
  });

  it('names the first unreadable frame', () => {
    const sequence: SequenceAnalysis = {
      ok: false,
      frame: 3,
      reason: 'NO_FACE',
      message: 'Frame 3: no face',
    };
    const j = judgeSequence({
      challenge: challenge(),
      sequence,
      still: template(1),
      receivedAt: NOW,
      passiveThreshold: 0.6,
    });
    expect(j).toEqual({ kind: 'unreadable', frame: 3, reason: 'NO_FACE', message: 'Frame 3: no face' });
  });
});

const report = (live: boolean): ActiveLivenessReport => ({
  method: 'active',
  live,
  challenge: 'c',
  steps: ['turn_left', 'look_up'],
  ...(live ? {} : { failedCheck: 'not_flat' }),
  checks: [
    {
      name: 'not_flat',
      passed: live,
      value: live ? 0.2 : 0.04,
      threshold: 0.125,
      unit: 'iod',
      decides: true,
    },
    { name: 'passive', passed: false, value: 0.31, threshold: 0.6, unit: 'score', decides: false },
  ],
});
const active = (live: boolean) => ({ kind: 'judged' as const, report: report(live), passiveScore: 0.31 });
const activeValidation = () => validation({ settings: { ...validation().settings, livenessMode: 'active' } });
const base = { analysis: analysis(0.31), image: 'data:image/jpeg;base64,AAEC', candidates: [] };

describe('an attempt on an active flow', () => {
  it('passes on the active verdict although the passive score is low, and says so in the result and claims', () => {
    const d = decideAttempt(activeValidation(), { ...base, active: active(true) }, attemptContext());
    expect(d.error).toBeUndefined();
    expect(d.next.result?.liveness).toEqual(report(true));
    expect(d.next.result?.biometricData.livenessScore).toBe(0.31);
    // The passive score decided nothing, so the risk is that of the match and the quality alone.
    expect(d.next.result?.riskScore).toBeLessThan(0.69);
    expect(d.claims?.livenessMethod).toBe('active');
    expect(d.next.livenessResults.at(-1)).toMatchObject({ passed: true, liveness: report(true) });
  });

  it('fails a refused verdict as a counted LIVENESS_DETECTION_FAILED with every check', () => {
    const d = decideAttempt(
      activeValidation(),
      { ...base, analysis: analysis(0.99), active: active(false) },
      attemptContext(),
    );
    expect(d.error).toMatchObject({ status: 400, code: 'LIVENESS_DETECTION_FAILED', attemptsRemaining: 2 });
    expect(d.error?.liveness).toEqual(report(false));
    expect(d.error?.details?.[0]).toMatchObject({
      path: '/body/frames',
      message: expect.stringContaining('not_flat'),
    });
    expect(d.next?.attempts).toBe(1);
  });

  it('fails an unreadable frame as INVALID_BIOMETRIC_DATA naming the frame', () => {
    const unreadable = {
      kind: 'unreadable' as const,
      frame: 4,
      reason: 'NO_FACE',
      message: 'Frame 4: no face',
    };
    const d = decideAttempt(activeValidation(), { ...base, active: unreadable }, attemptContext());
    expect(d.error).toMatchObject({
      code: 'INVALID_BIOMETRIC_DATA',
      details: [{ path: '/body/frames/4', reason: 'NO_FACE' }],
    });
  });

  it('never falls back to the passive score when the frames were not judged', () => {
    expect(() => decideAttempt(activeValidation(), base, attemptContext())).toThrow(/active flow/);
  });
});
