import { alreadyCompleted, codeError, type FlowError, sessionExpired } from '../errors.js';
import { validationEvent } from '../events.js';
import type { BiometricValidation, TwoFactorCode } from '../types.js';
import { type Completed, type ResultClaims, resultClaims } from './claims.js';
import { type Passed, type Refusal, refuse } from './decision.js';
import { expire } from './expire.js';
import { revise, transition } from './status.js';

export interface CodeState {
  validation: BiometricValidation;
  /** The validation's one-time code, once its email was prepared. */
  code?: TwoFactorCode;
  session: { sid: unknown; tokenExpired: boolean };
  now: number;
  /** Wrong codes allowed (TWO_FA_MAX_ATTEMPTS). */
  maxTries: number;
}

type ConfirmError = FlowError<'confirmBiometricValidationCode'>;
type CodeRefusal = Refusal<ConfirmError>;
/** A right code: the completed validation and the claims of its result token. */
export type CodeCompletion = Passed & { claims: ResultClaims };

const invalidCode = (remaining: number) => codeError(400, 'INVALID_CODE', 'Invalid code', remaining);
const exhausted = () => codeError(409, 'CODE_ATTEMPTS_EXHAUSTED', 'Code attempts exhausted', 0);

/** Why a past status refuses a code: what ended the validation answers. */
function settled(s: CodeState): CodeRefusal | undefined {
  const { validation: v, code: c } = s;
  if (v.status === 'completed') return refuse(alreadyCompleted());
  if (v.status === 'failed' && c && c.attempts >= s.maxTries) return refuse(exhausted());
  if (v.status === 'expired' && c && Date.parse(c.expiresAt) <= Date.parse(v.updatedAt))
    return refuse(codeError(410, 'CODE_EXPIRED', 'Code expired'));
  const sessionOver = s.session.tokenExpired || Date.parse(v.expiresAt) <= s.now;
  if (v.status === 'expired' || (v.status === 'new' && sessionOver)) return refuse(sessionExpired());
  if (v.status !== 'awaiting_2fa')
    return refuse(
      codeError(409, 'BIOMETRIC_VALIDATION_NOT_AWAITING_CODE', 'Biometric validation not awaiting a code'),
    );
  return undefined;
}

/**
 * Whether a code may be tried on the validation now: the stored code to count a try at and compare
 * with, or the decision that refuses. Once the face passed, the code's own lifetime applies, not
 * the validation's `expiresAt`.
 */
export function admitCode(s: CodeState): { tryCode: TwoFactorCode } | { refusal: CodeRefusal } {
  const { validation: v, code: c } = s;
  const refusal: CodeRefusal | undefined =
    s.session.sid !== v.sessionId ? refuse(sessionExpired()) : settled(s);
  if (refusal) return { refusal };
  // The code email has not been prepared yet: nothing to compare with, and no try is counted.
  if (!c) return { refusal: refuse(invalidCode(s.maxTries)) };
  if (c.consumedAt) return { refusal: refuse(alreadyCompleted()) };
  if (c.attempts >= s.maxTries) return { refusal: refuse(exhausted()) };
  if (Date.parse(c.expiresAt) <= s.now) return { refusal: expire(v, s.now, 'CODE_EXPIRED') };
  return { tryCode: c };
}

/**
 * Judges a counted try (`tries` including this one): a right code completes the validation from
 * the result its face earned; the last wrong code allowed fails it.
 */
export function judgeCode(s: CodeState, tries: number, matches: boolean): CodeRefusal | CodeCompletion {
  const v = s.validation;
  const at = new Date(s.now).toISOString();
  if (!matches) {
    const remaining = Math.max(0, s.maxTries - tries);
    if (remaining > 0) return refuse(invalidCode(remaining));
    const failed = transition(revise(v, at), 'failed');
    const events = validationEvent(failed, 'biometric_validation_failed', {
      status: 'failed',
      attempts: v.attempts,
      reason: 'CODE_ATTEMPTS_EXHAUSTED',
    });
    return { next: failed, events, mails: [], onConflict: 'stands', error: invalidCode(0) };
  }
  if (!v.result) throw new Error(`Validation ${v.id} awaits a code but kept no result.`);
  const next: Completed = {
    ...transition(revise(v, at), 'completed'),
    completedAt: at,
    result: { ...v.result, status: 'completed', completedAt: at },
  };
  return { next, events: [], mails: [], onConflict: 'rejudge', claims: resultClaims(next) };
}
