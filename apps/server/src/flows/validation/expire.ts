import { codeExpired, sessionExpired } from '../errors.js';
import { validationEvent } from '../events.js';
import type { BiometricValidation } from '../types.js';
import type { Refusal } from './decision.js';
import { revise, transition } from './status.js';

/**
 * `v` expires at `now`: the liveness session ran out before a face passed, or the one-time code ran
 * out before it was confirmed.
 */
export function expire<R extends 'LIVENESS_SESSION_EXPIRED' | 'CODE_EXPIRED'>(
  v: BiometricValidation,
  now: number,
  reason: R,
): Refusal<{ status: 410; code: R; title: string; message: string }> {
  const next = transition(revise(v, new Date(now).toISOString()), 'expired');
  return {
    next,
    events: validationEvent(next, 'biometric_validation_expired', { status: 'expired', reason }),
    mails: [],
    onConflict: 'stands',
    error: { ...(reason === 'CODE_EXPIRED' ? codeExpired() : sessionExpired()), status: 410, code: reason },
  };
}
