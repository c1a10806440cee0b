import type { FaceAnalysis, FaceAnalysisFail, SearchHit } from '@faceproof/face-engine';
import type { components } from '@faceproof/openapi/types';
import { withExpiry } from '../../resources/app-registrations.js';
import { livenessScore } from '../analysis.js';
import { buildEnrolment } from '../enrolment.js';
import type { FlowError } from '../errors.js';
import { appRegistrationEvent } from '../events.js';
import { type ActiveJudgement, failureMessage } from '../liveness/active.js';
import type { AppRegistration, Enrolment, NewOutboxEvent, Person, ProjectFlow } from '../types.js';

type EnrolError = FlowError<'createAppRegistrationBiometricValidation'>;

type EnrolBody = components['schemas']['AppRegistrationBiometricValidationRequest'];
/** The request body as validated: the spec's default of `force` is filled in. */
export type EnrolRequest = EnrolBody & Required<Pick<EnrolBody, 'force'>>;

export interface EnrolState {
  registration: AppRegistration;
  flow?: ProjectFlow;
  /** The registration's person as stored now; absent when it was deleted (or never enrolled). */
  person?: Person;
  now: number;
}

/**
 * The registration's person, if it is still enrolled in the collection the flow enrols into. A
 * deleted person (or one left in a collection the flow no longer uses) is not the registration's
 * any more: the registration enrols a new one rather than being stuck on a person that is gone.
 */
const ownPersonId = (s: EnrolState, collectionId: string) =>
  s.registration.personId !== undefined &&
  s.person?.id === s.registration.personId &&
  s.person.collectionId === collectionId
    ? s.registration.personId
    : undefined;

export interface EnrolEvidence {
  analysis: FaceAnalysis;
  /** The 1:N search of the face in the flow's collection, best first. */
  candidates: SearchHit[];
  /** The person already enrolled under the registration's identifier. */
  sameIdentifier?: Person;
  /** Active liveness: the engine's judgement of the frames (the flow's mode is `active`). */
  active?: ActiveJudgement;
}

export type EnrolDecision =
  | {
      next: AppRegistration;
      enrolment: Enrolment;
      events: NewOutboxEvent[];
      indexed: { collectionId: string; personId: string; templates: Readonly<Record<string, Float32Array>> };
      error?: undefined;
    }
  | { error: EnrolError };

const conflict = <C extends string>(code: C, title: string, scoreSuffix?: string) => ({
  status: 409 as const,
  code,
  title,
  message: title,
  ...(scoreSuffix ? { scoreSuffix } : {}),
});

const invalidImage = (a: FaceAnalysisFail): EnrolError => ({
  status: 400,
  code: 'INVALID_IMAGE',
  title: 'Invalid image',
  message: 'Invalid image',
  details: [{ path: '/body/image', message: a.message, reason: a.reason }],
});

/**
 * The identifier persons of app registrations are enrolled under: the email, else the phone, else
 * (a public start that asked for neither) the registration itself.
 */
export const registrationIdentifier = (r: AppRegistration) =>
  r.email ?? (r.phone ? `${r.countryCode ?? ''}${r.phone}` : `appRegistration:${r.id}`);

/** Whether the registration takes a face now (before the engine runs); the collection it enrols into. */
export function admitEnrolment(
  s: EnrolState,
  force: boolean,
): { flow: ProjectFlow; collectionId: string } | { error: EnrolError } {
  const { status } = withExpiry(s.registration, s.now);
  if (status !== 'STARTED' && status !== 'ONGOING')
    return { error: conflict('APP_REGISTRATION_NOT_ACTIVE', 'App registration not active') };
  const { flow } = s;
  if (!flow?.collectionId) return { error: conflict('COLLECTION_NOT_SET', 'Collection not set') };
  if (ownPersonId(s, flow.collectionId) && !force)
    return { error: conflict('PERSON_ALREADY_SET', 'Person already set') };
  return { flow, collectionId: flow.collectionId };
}

export interface EnrolContext {
  collectionId: string;
  /** The models whose templates are stored (Faces.storedModels). */
  templateModels: readonly string[];
  newId: () => string;
}

/**
 * Enrols the face of an app registration. With `force`, the registration's own person (or the
 * person already enrolled under its identifier) keeps its id and gets the new face; otherwise a new
 * person is created, unless the face or the identifier is already enrolled.
 */
export function decideEnrolment(
  s: EnrolState & { flow: ProjectFlow },
  body: EnrolRequest,
  ev: EnrolEvidence,
  ctx: EnrolContext,
): EnrolDecision {
  const a = ev.analysis;
  if (!a.ok) return { error: invalidImage(a) };
  if (s.flow.livenessMode === 'active' && !ev.active)
    throw new Error('decideEnrolment: an active flow needs the judgement of its frames');
  if (ev.active?.kind === 'unreadable')
    return {
      error: {
        status: 400,
        code: 'INVALID_IMAGE',
        title: 'Invalid image',
        message: 'Invalid image',
        details: [
          { path: `/body/frames/${ev.active.frame}`, message: ev.active.message, reason: ev.active.reason },
        ],
      },
    };
  // An active verdict reports the frames' passive score, as a passive one reports the image's.
  const liveness = ev.active ? ev.active.passiveScore : livenessScore(a);
  if (ev.active) {
    const { report } = ev.active;
    if (!report.live)
      return {
        error: {
          ...conflict('LIVENESS_FAILED', 'Liveness failed'),
          details: [{ path: '/body/frames', message: failureMessage(report) }],
          liveness: report,
        },
      };
  } else if (liveness < s.flow.livenessMinScore) {
    return { error: conflict('LIVENESS_FAILED', 'Liveness failed', `@${liveness}`) };
  }
  const best = ev.candidates[0];
  const duplicate = best !== undefined && best.score >= s.flow.searchMinScore;
  const { force } = body;
  if ((duplicate || ev.sameIdentifier) && !force)
    return { error: conflict('PERSON_ALREADY_SET', 'Person already set') };

  const r = s.registration;
  const at = new Date(s.now).toISOString();
  const { collectionId } = ctx;
  const replacePersonId = ownPersonId(s, collectionId) ?? ev.sameIdentifier?.id;
  const personId = replacePersonId ?? ctx.newId();
  const enrolment = buildEnrolment({
    person: {
      id: personId,
      clientId: r.clientId,
      projectId: r.projectId,
      collectionId,
      identifier: registrationIdentifier(r),
    },
    analysis: a,
    image: body.image,
    retainFaceImage: s.flow.retainFaceImages,
    templateModels: ctx.templateModels,
    at,
    newId: ctx.newId,
    replacePersonId,
  });
  const next: AppRegistration = {
    ...r,
    status: 'ONGOING',
    os: body.os,
    personId,
    collectionId,
    validationId: ctx.newId(),
    livenessScore: liveness,
    validatedAt: at,
    updatedAt: at,
  };
  const events = appRegistrationEvent(next, s.flow.webhookUrl, replacePersonId !== undefined, {
    person: personId,
    collection: collectionId,
    livenessScore: liveness,
  });
  return { next, enrolment, events, indexed: { collectionId, personId, templates: a.templates } };
}
