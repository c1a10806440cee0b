import type { SearchHit } from '@faceproof/face-engine';
import { matchScore, templatesByModel } from '../analysis.js';
import { codeError, type FlowError } from '../errors.js';
import { validationEvent } from '../events.js';
import type { BiometricValidation, Enrolment, Person } from '../types.js';
import { type Completed, resultClaims } from './claims.js';
import type { CodeCompletion } from './confirm-code.js';
import type { Refusal } from './decision.js';
import { revise, transition } from './status.js';

/**
 * The enrolment of an `onboarding`: the one duplicate check (at validate, and again at confirm-2fa
 * for a validation whose code was awaited), and the enrolment a `requires2FA` onboarding holds
 * until its code is confirmed.
 */

/**
 * Why `v`'s new person cannot be enrolled, if it cannot: the face matches someone in the
 * collection (`candidates`, best first), or a person is enrolled under the identifier already.
 */
export function onboardingConflict(
  v: BiometricValidation,
  candidates: readonly SearchHit[],
  enrolled: Person | undefined,
): string | undefined {
  const best = candidates[0];
  const score = matchScore(best?.score);
  const min = v.settings.searchMinScore;
  if (best !== undefined && score >= min)
    return `The face is already enrolled in the collection (score ${score}, minimum ${min}).`;
  if (enrolled) return `A person is already enrolled as ${v.identifier}.`;
  return undefined;
}

/** The webhook of a new person, sent by the completion that enrolled it. */
export function createdPersonEvent(v: Completed, enrolment: Enrolment, matchScore: number) {
  const r = v.result;
  return validationEvent(v, 'biometric_validation_created_person', {
    status: 'completed',
    person: enrolment.person.id,
    matchScore,
    livenessScore: r.biometricData.livenessScore,
    riskScore: r.riskScore,
    collection: enrolment.person.collectionId,
  });
}

/** The retained face image of an enrolment, as the response shows it once. */
export const faceImageUri = (e: Enrolment) =>
  e.image && `data:${e.image.mime};base64,${Buffer.from(e.image.image).toString('base64')}`;

/**
 * Whether confirming `v`'s code must enrol its person: a `requires2FA` onboarding into a collection
 * holds its enrolment until then. (One whose person is set was enrolled at validate, before
 * enrolments were held, and completes as it is.)
 */
export const enrolsOnConfirm = (
  v: BiometricValidation,
): v is BiometricValidation & { collectionId: string } =>
  v.type === 'onboarding' && v.options.requires2FA && v.collectionId !== undefined && !v.personId;

/** What the store and the index say, under the collection's enrolment lock, at confirmation. */
export interface HeldEvidence {
  /** The enrolment the validation holds; none once its collection was deleted. */
  held?: Enrolment;
  /** The 1:N search of the held templates in the collection, best first. */
  candidates: SearchHit[];
  /** The person enrolled under the validation's identifier meanwhile, if any. */
  enrolled?: Person;
}

type ConfirmError = FlowError<'confirmBiometricValidationCode'>;

/** A right code that enrols: the completion, the enrolment it saves and the index entry it adds. */
export type EnrollingCompletion = CodeCompletion & {
  enrolment: Enrolment;
  indexed: { collectionId: string; personId: string; templates: Readonly<Record<string, Float32Array>> };
  faceImage?: string;
};

/**
 * Enrols the person a right code completes (`completion`, judged on `v`), unless the checks of
 * validate now refuse it: then nobody is enrolled, and the validation fails with the code that a
 * duplicate gets, as a 409 (its face cannot be sent again).
 */
export function enrolOnConfirm(
  v: BiometricValidation,
  completion: CodeCompletion,
  ev: HeldEvidence,
  now: number,
): EnrollingCompletion | (Refusal<ConfirmError> & { next: BiometricValidation }) {
  const at = new Date(now).toISOString();
  const held = ev.held;
  const why = held
    ? onboardingConflict(v, ev.candidates, ev.enrolled)
    : 'The collection was deleted while the code was awaited.';
  if (!held || why) {
    const failed = transition(revise(v, at), 'failed');
    const events = validationEvent(failed, 'biometric_validation_failed', {
      status: 'failed',
      attempts: v.attempts,
      reason: 'IDENTITY_VERIFICATION_FAILED',
    });
    const error: ConfirmError = {
      ...codeError(409, 'IDENTITY_VERIFICATION_FAILED', 'Identity verification failed', 0),
      details: [{ path: '/body/code', message: why ?? '' }],
    };
    return { next: failed, events, mails: [], onConflict: 'rejudge', error };
  }
  // The person, its templates and image are created now, by the confirmation.
  const personId = held.person.id;
  const enrolment: Enrolment = {
    person: { ...held.person, createdAt: at, updatedAt: at },
    templates: held.templates.map((t) => ({ ...t, createdAt: at })),
    ...(held.image ? { image: { ...held.image, createdAt: at } } : {}),
  };
  const next: Completed = {
    ...completion.next,
    personId,
    result: { ...completion.next.result, person: personId },
  };
  const faceImage = faceImageUri(enrolment);
  return {
    ...completion,
    next,
    claims: resultClaims(next),
    enrolment,
    events: [...completion.events, ...createdPersonEvent(next, enrolment, next.result.matchScore ?? 1)],
    indexed: {
      collectionId: held.person.collectionId,
      personId,
      templates: templatesByModel(held.templates),
    },
    ...(faceImage ? { faceImage } : {}),
  };
}
