import { describe, expect, it } from 'vitest';
import { en } from '../src/messages/en.js';
import { interpret, interpretChallenge, interpretCode, type Outcome, safeRedirect } from '../src/outcome.js';
import {
  challengeExample,
  challengeExamples,
  confirmExample,
  confirmExamples,
  example,
  validateExamples,
} from './support/spec.js';

describe('interpret', () => {
  it('gives every documented response of the validate operation a defined, worded outcome', () => {
    const all = validateExamples();
    expect(all.length).toBeGreaterThanOrEqual(17);
    for (const { status, name, value } of all) {
      if (status === 200) continue; // successes: next test
      const o = interpret(status, value);
      expect(o.kind, `${status} ${name}`).toBe('problem');
      if (o.kind !== 'problem') continue;
      expect(en[o.title], `${status} ${name}`).toBeTruthy();
      expect(en[o.body]).toBeTruthy();
      // Never "something went wrong" for a response the spec documents.
      expect(o.title, `${status} ${name}`).not.toBe('unexpectedTitle');
    }
  });

  it('redirects to the redirect URL of a 200, or shows success without one', () => {
    const passed = example(200, 'loginPassed');
    expect(interpret(200, passed)).toEqual({ kind: 'redirect', url: passed.data.redirectUrl });
    expect(interpret(200, example(200, 'onboardingEnrolled'))).toEqual({ kind: 'success' });
  });

  it('asks for the emailed code when the face passed but the result awaits 2FA', () => {
    expect(interpret(200, example(200, 'awaitingCode'))).toEqual({ kind: 'code' });
  });

  it('never follows a redirect URL that is not http(s)', () => {
    const passed = example(200, 'loginPassed');
    passed.data.redirectUrl = 'javascript:alert(1)';
    expect(interpret(200, passed)).toMatchObject({ kind: 'problem', title: 'unexpectedTitle' });
    expect(safeRedirect('data:text/html,x')).toBeUndefined();
    expect(safeRedirect('not a url')).toBeUndefined();
    expect(safeRedirect('https://example.com/a?token=x')).toBe('https://example.com/a?token=x');
  });

  it('asks for a new photo after a failed attempt, with the attempts left and what to fix', () => {
    expect(interpret(400, example(400, 'invalidBiometricData'))).toEqual<Outcome>({
      kind: 'problem',
      title: 'photoUnusableTitle',
      body: 'unreadableBody',
      reason: 'reason_NO_FACE',
      attemptsRemaining: 2,
      action: 'recapture',
      final: false,
    });
    expect(interpret(400, example(400, 'livenessFailed'))).toMatchObject({
      title: 'livenessTitle',
      attemptsRemaining: 1,
      action: 'recapture',
    });
    const dark = example(400, 'invalidBiometricData');
    dark.details[0].reason = 'FACE_TOO_DARK';
    expect(interpret(400, dark)).toMatchObject({ reason: 'reason_FACE_TOO_DARK' });
  });

  it('ends for good when no attempt is left', () => {
    // The documented identity failure used the last attempt.
    expect(interpret(400, example(400, 'identityFailed'))).toMatchObject({
      title: 'failedTitle',
      action: 'none',
      final: true,
    });
    expect(interpret(409, example(409, 'attemptsExhausted'))).toMatchObject({
      title: 'failedTitle',
      final: true,
    });
    expect(interpret(409, example(409, 'alreadyCompleted'))).toMatchObject({
      title: 'completedTitle',
      final: true,
    });
  });

  it('says which link problem it is: expired, bad, gone', () => {
    expect(interpret(410, example(410, 'sessionExpired'))).toMatchObject({
      title: 'expiredTitle',
      final: true,
    });
    for (const [status, name] of [
      [401, 'missingToken'],
      [401, 'invalidToken'],
      [403, 'wrongTokenKind'],
      [404, 'validationNotFound'],
    ] as const) {
      expect(interpret(status, example(status, name))).toMatchObject({ title: 'badLinkTitle', final: true });
    }
  });

  it('resends the same photo after a 503, a 429 or a network error, waiting Retry-After', () => {
    expect(interpret(503, example(503, 'engineBusy'), '3')).toMatchObject({
      title: 'busyTitle',
      action: 'resend',
      waitSeconds: 3,
    });
    const now = Date.parse('2024-09-12T17:27:00Z');
    expect(interpret(429, example(429, 'rateLimited'), 'Thu, 12 Sep 2024 17:27:05 GMT', now)).toMatchObject({
      action: 'resend',
      waitSeconds: 5,
    });
    expect(interpret(0, undefined)).toMatchObject({ title: 'networkTitle', action: 'resend' });
    expect(interpret(502, '<html>bad gateway</html>')).toMatchObject({
      title: 'unexpectedTitle',
      action: 'resend',
    });
  });

  it('asks for a new photo when the request itself was refused (no attempt counted)', () => {
    expect(interpret(400, example(400, 'invalidRequest'))).toMatchObject({
      title: 'unreadableTitle',
      action: 'recapture',
    });
    expect(interpret(413, example(413, 'payloadTooLarge'))).toMatchObject({
      title: 'tooLargeTitle',
      action: 'recapture',
    });
  });
});

describe('interpretCode', () => {
  it('gives every documented response of the confirm operation a defined, worded outcome', () => {
    const all = confirmExamples();
    expect(all.length).toBeGreaterThanOrEqual(13);
    for (const { status, name, value } of all) {
      const o = interpretCode(status, value);
      if (o.kind === 'final') {
        expect(en[o.title], `${status} ${name}`).toBeTruthy();
        expect(o.title, `${status} ${name}`).not.toBe('unexpectedTitle');
      } else if (o.kind === 'retry') expect(en[o.message], `${status} ${name}`).toBeTruthy();
    }
  });

  it('lands on the redirect URL with the token once the code is confirmed', () => {
    const ok = confirmExample(200, 'codeConfirmed');
    expect(interpretCode(200, ok)).toEqual({ kind: 'redirect', url: ok.data.redirectUrl });
  });

  it('stays on the code screen for a wrong code with tries left, and ends at none', () => {
    expect(interpretCode(400, confirmExample(400, 'invalidCode'))).toEqual({
      kind: 'retry',
      message: 'codeWrong',
      attemptsRemaining: 4,
    });
    const last = confirmExample(400, 'invalidCode');
    last.attemptsRemaining = 0;
    expect(interpretCode(400, last)).toMatchObject({ kind: 'final', title: 'codeExhaustedTitle' });
    expect(interpretCode(409, confirmExample(409, 'codeAttemptsExhausted'))).toMatchObject({
      kind: 'final',
      title: 'codeExhaustedTitle',
    });
    expect(interpretCode(400, confirmExample(400, 'invalidRequest'))).toMatchObject({
      message: 'codeFormat',
    });
  });

  it('ends an onboarding overtaken while its code was awaited on its own final screen', () => {
    expect(interpretCode(409, confirmExample(409, 'identityFailed'))).toEqual({
      kind: 'final',
      title: 'enrolledMeanwhileTitle',
      body: 'enrolledMeanwhileBody',
    });
  });

  it('tells an expired code from an expired session, and retries after 429 or no answer', () => {
    expect(interpretCode(410, confirmExample(410, 'codeExpired'))).toMatchObject({
      title: 'codeExpiredTitle',
    });
    expect(interpretCode(410, confirmExample(410, 'sessionExpired'))).toMatchObject({
      title: 'expiredTitle',
    });
    expect(interpretCode(409, confirmExample(409, 'alreadyCompleted'))).toMatchObject({
      title: 'completedTitle',
    });
    expect(interpretCode(429, confirmExample(429, 'rateLimited'), '2')).toEqual({
      kind: 'retry',
      message: 'codeBusy',
      waitSeconds: 2,
    });
    expect(interpretCode(0, undefined)).toMatchObject({ kind: 'retry', message: 'codeBusy' });
  });
});

describe('active liveness', () => {
  it('reads the challenge of an active flow, and the mode alone of a passive one', () => {
    const active = challengeExample(200, 'active');
    expect(interpretChallenge(200, active)).toEqual({
      kind: 'active',
      id: active.data.challenge._id,
      steps: active.data.challenge.steps,
      expiresAt: Date.parse(active.data.challenge.expiresAt),
      minFrames: 8,
      maxFrames: 15,
      maxDurationMs: 6000,
    });
    expect(interpretChallenge(200, challengeExample(200, 'passive'))).toEqual({ kind: 'passive' });
  });

  it('gives every documented error of the challenge operation a worded screen', () => {
    for (const { status, name, value } of challengeExamples()) {
      if (status === 200) continue;
      const o = interpretChallenge(status, value);
      expect(o.kind, `${status} ${name}`).toBe('problem');
      if (o.kind === 'problem') expect(o.title, `${status} ${name}`).not.toBe('unexpectedTitle');
    }
  });

  it('refuses a challenge with a step it has no prompt for', () => {
    const odd = challengeExample(200, 'active');
    odd.data.challenge.steps = ['turn_left', 'blink'];
    expect(interpretChallenge(200, odd)).toMatchObject({ kind: 'problem', title: 'unexpectedTitle' });
  });

  it('explains a failed challenge by its first failing check, and asks for the camera, not a file', () => {
    expect(interpret(400, example(400, 'activeLivenessFailed'))).toMatchObject({
      kind: 'problem',
      title: 'activeFailedTitle',
      reason: 'check_not_flat',
      attemptsRemaining: 2,
      action: 'recapture',
    });
    expect(interpret(400, example(400, 'activeLivenessRequired'))).toMatchObject({
      title: 'activeRequiredTitle',
    });
    for (const name of ['challengeInvalid', 'challengeExpired'])
      expect(interpret(400, example(400, name))).toMatchObject({
        title: 'challengeTimeoutTitle',
        action: 'recapture',
      });
  });
});
