import { describe, expect, it } from 'vitest';
import type { TwoFactorCode } from '../../src/flows/types.js';
import { decideAttempt } from '../../src/flows/validation/attempt.js';
import { seal } from '../../src/flows/validation/claims.js';
import { admitCode, type CodeState, judgeCode } from '../../src/flows/validation/confirm-code.js';
import {
  AT,
  analysis,
  attemptContext,
  eventData,
  FLOW,
  NOW,
  PROJECT,
  passed,
  VALIDATION,
  validation,
} from './fixtures.js';

const options = {
  ...validation().options,
  requires2FA: true,
  email: 'alice@example.invalid',
  redirectUrl: 'https://app.example.invalid/done?step=2',
};

/**
 * A validation whose face passed its second attempt with a liveness of 0.912, so that it awaits
 * the code; the best liveness over its attempts (0.97, of an attempt that failed) is another number.
 */
function awaitingCode() {
  const v = validation({ options, livenessScore: 0.97, attempts: 1 });
  const d = decideAttempt(v, { analysis: analysis(0.9123), image: '', candidates: [] }, attemptContext());
  expect(d.next.status).toBe('awaiting_2fa');
  return d.next;
}

const code = (over: Partial<TwoFactorCode> = {}): TwoFactorCode => ({
  validationId: VALIDATION,
  hash: 'ab',
  salt: 'cd',
  attempts: 0,
  expiresAt: new Date(NOW + 5 * 60_000).toISOString(),
  createdAt: AT,
  ...over,
});

const state = (over: Partial<CodeState> = {}): CodeState => ({
  validation: awaitingCode(),
  code: code(),
  session: { sid: 'session', tokenExpired: false },
  now: NOW + 1000,
  maxTries: 3,
  ...over,
});

describe('confirming a 2FA code', () => {
  it('admits a try at a live code of a validation awaiting it', () => {
    expect(admitCode(state())).toEqual({ tryCode: code() });
  });

  it('completes without a redirect when a stored redirect URL does not parse (a row from before URLs were checked)', () => {
    const s = state();
    const d = judgeCode(
      {
        ...s,
        validation: {
          ...s.validation,
          options: { ...s.validation.options, redirectUrl: 'https://app.example.invalid:99999/done' },
        },
      },
      1,
      true,
    );
    const sealed = seal(passed(d), 'the.result.token');
    expect(sealed.next.status).toBe('completed');
    expect(sealed.next.result.redirectUrl).toBeUndefined();
  });

  it('completes with the right code, from the result the face earned', () => {
    const s = state();
    const d = judgeCode(s, 1, true);
    expect(d.next).toMatchObject({ status: 'completed', completedAt: new Date(NOW + 1000).toISOString() });
    expect(d.claims).toMatchObject({ livenessScore: 0.912, type: 'validation' });
    const sealed = seal(passed(d), 'the.result.token');
    expect(sealed.next.result.redirectUrl).toBe(
      'https://app.example.invalid/done?step=2&token=the.result.token',
    );
    expect(sealed.next.result.status).toBe('completed');
    // The validated event reports the passing attempt's liveness, not the best over all attempts.
    expect(eventData(sealed.events).biometric_validation_validated).toEqual({
      biometricValidation: s.validation.id,
      project: PROJECT,
      projectFlow: FLOW,
      identifier: s.validation.identifier,
      type: 'validation',
      status: 'completed',
      livenessScore: 0.912,
      riskScore: 0.088,
      token: 'the.result.token',
    });
    expect(s.validation.livenessScore).toBe(0.97);
  });

  it('counts wrong codes down, and fails the validation at the last one', () => {
    expect(judgeCode(state(), 1, false)).toMatchObject({
      error: { code: 'INVALID_CODE', attemptsRemaining: 2 },
    });
    expect(judgeCode(state(), 1, false).next).toBeUndefined();
    const last = judgeCode(state(), 3, false);
    expect(last.next?.status).toBe('failed');
    expect(last.error).toMatchObject({ status: 400, code: 'INVALID_CODE', attemptsRemaining: 0 });
    expect(eventData(last.events).biometric_validation_failed).toMatchObject({
      status: 'failed',
      reason: 'CODE_ATTEMPTS_EXHAUSTED',
    });
  });

  it('expires the validation when the code ran out, with the expired event', () => {
    const a = admitCode(state({ now: NOW + 10 * 60_000 }));
    if (!('refusal' in a)) throw new Error('expected a refusal');
    expect(a.refusal.next).toMatchObject({ status: 'expired', sessionStatus: 'used' });
    expect(a.refusal.error).toMatchObject({ status: 410, code: 'CODE_EXPIRED' });
    expect(eventData(a.refusal.events).biometric_validation_expired).toMatchObject({
      identifier: 'alice@example.invalid',
      type: 'validation',
      status: 'expired',
      reason: 'CODE_EXPIRED',
    });
  });

  it('refuses with the code of what settled the validation', () => {
    const refusal = (s: CodeState) => {
      const a = admitCode(s);
      return 'refusal' in a ? a.refusal.error?.code : 'admitted';
    };
    const v = awaitingCode();
    expect(refusal(state({ code: undefined }))).toBe('INVALID_CODE');
    expect(refusal(state({ code: code({ attempts: 3 }) }))).toBe('CODE_ATTEMPTS_EXHAUSTED');
    expect(refusal(state({ code: code({ consumedAt: AT }) }))).toBe('BIOMETRIC_VALIDATION_ALREADY_COMPLETED');
    expect(refusal(state({ validation: { ...v, status: 'completed' } }))).toBe(
      'BIOMETRIC_VALIDATION_ALREADY_COMPLETED',
    );
    expect(refusal(state({ validation: validation() }))).toBe('BIOMETRIC_VALIDATION_NOT_AWAITING_CODE');
    expect(refusal(state({ session: { sid: 'other', tokenExpired: false } }))).toBe(
      'LIVENESS_SESSION_EXPIRED',
    );
    const expiredByCode = {
      ...v,
      status: 'expired' as const,
      updatedAt: new Date(NOW + 10 * 60_000).toISOString(),
    };
    expect(refusal(state({ validation: expiredByCode }))).toBe('CODE_EXPIRED');
  });
});
