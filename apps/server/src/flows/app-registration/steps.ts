import type { components } from '@faceproof/openapi/types';
import { withExpiry } from '../../resources/app-registrations.js';
import type { FlowError } from '../errors.js';
import type { AppRegistration } from '../types.js';

/**
 * The decisions of the steps an end user's app takes on its own registration (Verifik's web SDK):
 * read it, change its sign-up data, sync a step, undo the face step. A token names one
 * registration; every other id reads as not found, so nothing about another registration leaks.
 */

type Schemas = components['schemas'];
export type Profile = Schemas['AppRegistrationProfile'];
export type SyncRequest = Schemas['SyncAppRegistrationRequest'];

type StepOperation = 'updateAppRegistration' | 'syncAppRegistration' | 'deleteBiometricValidation';

const notActive = <O extends StepOperation>(): FlowError<O> =>
  ({
    status: 409,
    code: 'APP_REGISTRATION_NOT_ACTIVE',
    title: 'App registration not active',
    message: 'App registration not active',
  }) as FlowError<O>;

const registrationNotFound = <O extends 'updateAppRegistration' | 'syncAppRegistration'>(): FlowError<O> =>
  ({
    status: 404,
    code: 'APP_REGISTRATION_NOT_FOUND',
    title: 'App registration not found',
    message: 'App registration not found',
  }) as FlowError<O>;

/** Whether the registration is still open to its end user's changes at `now`. */
const isOpen = (r: AppRegistration, now: number) => {
  const { status } = withExpiry(r, now);
  return status === 'STARTED' || status === 'ONGOING';
};

/** The registration `id` names, if it is the token's own: any other id is simply not found. */
export function ownRegistration<O extends 'updateAppRegistration' | 'syncAppRegistration'>(
  tokenRegistration: AppRegistration | undefined,
  id: string,
): { registration: AppRegistration } | { error: FlowError<O> } {
  if (!tokenRegistration || tokenRegistration.id !== id) return { error: registrationNotFound<O>() };
  return { registration: tokenRegistration };
}

/** The sign-up fields a profile change sets; fields left out stay. */
const PROFILE_FIELDS = [
  'email',
  'countryCode',
  'phone',
  'fullName',
  'firstName',
  'lastName',
  'language',
  'agreements',
  'extraFields',
] as const satisfies readonly (keyof Profile & keyof AppRegistration)[];

/** The profile of a create or update body, as stored on the registration. */
export function profileOf(body: Profile): Partial<AppRegistration> {
  const out: Partial<AppRegistration> = {};
  for (const k of PROFILE_FIELDS) if (body[k] !== undefined) Object.assign(out, { [k]: body[k] });
  return out;
}

export function decideUpdate(
  r: AppRegistration,
  body: Profile,
  now: number,
): { next: AppRegistration } | { error: FlowError<'updateAppRegistration'> } {
  if (!isOpen(r, now)) return { error: notActive<'updateAppRegistration'>() };
  return { next: { ...r, ...profileOf(body), updatedAt: new Date(now).toISOString() } };
}

/** The status each step takes (Verifik's sync page): a step asking for another is refused. */
const STEP_STATUSES: Record<SyncRequest['step'], readonly SyncRequest['status'][]> = {
  skipKYC: ['COMPLETED_WITHOUT_KYC'],
  instructions: ['ONGOING'],
  signUpForm: ['ONGOING'],
  basicInformation: ['ONGOING'],
  document: ['ONGOING'],
  liveness: ['ONGOING'],
  form: ['ONGOING'],
  // The web SDK ends by sending the status it last read: the outcome is then the server's to judge.
  end: ['COMPLETED', 'FAILED', 'NEEDS_MANUAL_VERIFICATION', 'STARTED', 'ONGOING'],
};

/** The status a sync asks for, once an open status sent with `end` is judged: completion. */
const asked = (body: SyncRequest): AppRegistration['status'] =>
  body.step === 'end' && (body.status === 'STARTED' || body.status === 'ONGOING') ? 'COMPLETED' : body.status;

/**
 * One sync: the step is recorded and the status moves. Completing needs the face enrolled, and so
 * does skipping, since the face step of every Faceproof onboarding flow is mandatory; failing or
 * asking for a manual review does not.
 */
export function decideSync(
  r: AppRegistration,
  body: SyncRequest,
  now: number,
): { next: AppRegistration } | { error: FlowError<'syncAppRegistration'> } {
  if (!STEP_STATUSES[body.step].includes(body.status))
    return {
      error: {
        status: 400,
        code: 'STEP_STATUS_MISMATCH',
        title: 'Step and status mismatch',
        message: `Step ${body.step} takes ${STEP_STATUSES[body.step].join(' or ')}, not ${body.status}.`,
      },
    };
  if (!isOpen(r, now)) return { error: notActive<'syncAppRegistration'>() };
  const status = asked(body);
  const needsFace = status === 'COMPLETED' || status === 'COMPLETED_WITHOUT_KYC';
  if (needsFace && !r.personId)
    return {
      error: {
        status: 409,
        code: 'LIVENESS_NOT_PASSED',
        title: 'Liveness not passed',
        message: 'Liveness not passed',
      },
    };
  return {
    next: { ...r, status, currentStep: body.step, updatedAt: new Date(now).toISOString() },
  };
}

/**
 * Undoing the face step: the registration forgets its enrolment validation and person (the person
 * stays enrolled, so a new attempt needs `force` to replace its face).
 */
export function decideUnlink(
  r: AppRegistration | undefined,
  validationId: string,
  now: number,
): { next: AppRegistration } | { error: FlowError<'deleteBiometricValidation'> } {
  if (!r || r.validationId !== validationId)
    return {
      error: {
        status: 404,
        code: 'BIOMETRIC_VALIDATION_NOT_FOUND',
        title: 'Biometric validation not found',
        message: 'Biometric validation not found',
      },
    };
  if (!isOpen(r, now)) return { error: notActive<'deleteBiometricValidation'>() };
  const {
    validationId: _validation,
    livenessScore: _score,
    validatedAt: _at,
    personId: _person,
    ...rest
  } = r;
  return { next: { ...rest, updatedAt: new Date(now).toISOString() } };
}
