import type { BiometricValidation, SessionStatus, ValidationStatus } from '../types.js';

/**
 * The one state machine of a validation: every status change goes through `transition()`, so a
 * move that is not in this table cannot happen anywhere.
 */
export const TRANSITIONS: Readonly<Record<ValidationStatus, readonly ValidationStatus[]>> = {
  new: ['completed', 'awaiting_2fa', 'failed', 'expired'],
  awaiting_2fa: ['completed', 'failed', 'expired'],
  completed: [],
  failed: [],
  expired: [],
};

export class IllegalTransition extends Error {
  constructor(
    readonly from: ValidationStatus,
    readonly to: ValidationStatus,
  ) {
    super(`A biometric validation cannot go from ${from} to ${to}.`);
  }
}

export const canTransition = (from: ValidationStatus, to: ValidationStatus) => TRANSITIONS[from].includes(to);

/** The liveness session ends with the first move out of `new`: used up, or expired with it. */
function sessionAfter(v: BiometricValidation, to: ValidationStatus): SessionStatus {
  if (v.status !== 'new') return v.sessionStatus;
  return to === 'expired' ? 'expired' : 'used';
}

/** `v` moved to `to`; a move the table does not allow is a bug, so it throws. */
export function transition(v: BiometricValidation, to: ValidationStatus): BiometricValidation {
  if (!canTransition(v.status, to)) throw new IllegalTransition(v.status, to);
  return { ...v, status: to, sessionStatus: sessionAfter(v, to) };
}

/** The next version of `v` as of `at`: what every saved change starts from (the store claims on it). */
export const revise = (v: BiometricValidation, at: string): BiometricValidation => ({
  ...v,
  updatedAt: at,
  version: v.version + 1,
});
