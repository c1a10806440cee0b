import type { FlowError } from '../errors.js';
import type { BiometricValidation, Enrolment, NewMail, NewOutboxEvent } from '../types.js';
import type { ResultClaims } from './claims.js';

/** What a validation flow decided: what to save, what to send, what to answer. */
export interface Decision<E extends FlowError = FlowError> {
  /** The validation to save, claimed on its version; absent when nothing changes. */
  next?: BiometricValidation;
  enrolment?: Enrolment;
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

/** A refusal that changes nothing. */
export const refuse = <E extends FlowError>(error: E): Decision<E> => ({
  events: [],
  mails: [],
  onConflict: 'stands',
  error,
});
