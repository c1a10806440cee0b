import type { FlowError } from '../errors.js';
import type { BiometricValidation, Enrolment, NewMail, NewOutboxEvent, TemplateRefresh } from '../types.js';
import type { Completed, ResultClaims } from './claims.js';

/** What a validation flow decided: what to save, what to send, what to answer. */
export interface Decision<E extends FlowError = FlowError> {
  /** The validation to save, claimed on its version; absent when nothing changes. */
  next?: BiometricValidation;
  enrolment?: Enrolment;
  /** A successful login's new templates for the person it matched. */
  refresh?: TemplateRefresh;
  /** An enrolment to keep, unsaved, until the validation's code is confirmed (2FA onboarding). */
  holdEnrolment?: Enrolment;
  events: NewOutboxEvent[];
  mails: NewMail[];
  /**
   * When another request saved the validation first: `rejudge` reads it again and decides anew
   * (an attempt or a completion must be judged on the latest state); `stands` answers as decided
   * (an expiry or an exhausted code is a fact whoever wrote first).
   */
  onConflict: 'rejudge' | 'stands';
  error?: E;
  /** On completion: the claims of the result token, which the handler signs and `seal` places. */
  claims?: ResultClaims;
}

/** A decision that answers with an error; it may still save (a counted attempt, an expiry). */
export type Refusal<E extends FlowError = FlowError> = Decision<E> & { error: E };

/** A decision that completes (or, with 2FA, passes the face of) a validation: it answers its result. */
export type Passed = Decision<never> & { next: Completed; error?: undefined };

/** A refusal that changes nothing. */
export const refuse = <E extends FlowError>(error: E): Refusal<E> => ({
  events: [],
  mails: [],
  onConflict: 'stands',
  error,
});
