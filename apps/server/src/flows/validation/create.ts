import type { components } from '@faceproof/openapi/types';
import { originRefusal } from '../../outbound/url.js';
import type { FlowError } from '../errors.js';
import { parseTimestamp } from '../timestamps.js';
import type {
  BiometricValidation,
  Collection,
  NewMail,
  Project,
  ProjectFlow,
  ValidationOptions,
} from '../types.js';

type CreateError = FlowError<'createBiometricValidation'>;

const MINUTE = 60 * 1000;
const DAY = 24 * 60 * MINUTE;

type CreateBody = components['schemas']['CreateBiometricValidationRequest'];
/** The createBiometricValidation request body as validated: the spec's defaults are filled in. */
export type CreateRequest = CreateBody &
  Required<Pick<CreateBody, 'requires2FA' | 'sendViaEmail' | 'language'>>;

export interface CreateState {
  clientId: string;
  request: CreateRequest;
  project: Project;
  flow: ProjectFlow;
  /** The flow's assigned collection. */
  collection?: Collection;
  now: number;
  newId: (now: number) => string;
  /** Set by the app-login start, where a first factor already named the user: `identifier`. */
  loginMatch?: ProjectFlow['loginMatch'];
  /** A public start's short lifetime, instead of the default (its body cannot set `expiresAt`). */
  lifetimeMs?: number;
}

export type CreateDecision =
  | {
      validation: BiometricValidation;
      mails: NewMail[];
      /** The liveness-session token to sign for the capture page, valid as long as the validation. */
      session: { claims: { sub: string; sid: string; project: string }; expiresAt: number };
      error?: undefined;
    }
  | { error: CreateError };

const invalidFlow = (message: string): CreateError => ({
  status: 400,
  code: 'INVALID_PROJECT_FLOW',
  title: 'Invalid project flow',
  message,
});

const invalidRequest = (path: string, message: string): CreateError => ({
  status: 400,
  code: 'INVALID_REQUEST',
  title: 'Invalid request',
  message: `${path.slice(1)} ${message}`,
  details: [{ path, message }],
});

/** Why the flow cannot take this validation, if it cannot. */
function flowRefusal(s: CreateState): CreateError | undefined {
  const { flow, project } = s;
  const { type } = s.request;
  if (flow.projectId !== project.id)
    return invalidFlow(`Project flow ${flow.id} is not a flow of project ${project.id}.`);
  if (flow.status !== 'active')
    return invalidFlow(
      `Project flow ${flow.id} is ${flow.status}; only active flows accept new validations.`,
    );
  if (type !== 'login' && type !== 'onboarding') return undefined;
  if (flow.type !== type)
    return invalidFlow(
      `Project flow ${flow.id} is a ${flow.type} flow; a ${type} validation needs a ${type} flow.`,
    );
  if (!flow.collectionId)
    return invalidFlow(`Project flow ${flow.id} has no assigned collection; a ${type} validation needs one.`);
  return undefined;
}

/** Ten minutes to capture a face, a day for an emailed link, unless the request says when. */
function expiry(s: CreateState): number | CreateError {
  const { expiresAt, sendViaEmail } = s.request;
  if (s.lifetimeMs !== undefined) return s.now + s.lifetimeMs;
  if (expiresAt === undefined) return s.now + (sendViaEmail ? DAY : 10 * MINUTE);
  const at = parseTimestamp(expiresAt);
  if (at === undefined) return invalidRequest('/body/expiresAt', 'must be an RFC 3339 date-time');
  if (at <= s.now) return invalidRequest('/body/expiresAt', 'must be in the future');
  if (at > s.now + 7 * DAY) return invalidRequest('/body/expiresAt', 'must be at most 7 days ahead');
  return at;
}

export function decideCreate(s: CreateState): CreateDecision {
  const refusal = flowRefusal(s);
  if (refusal) return { error: refusal };
  const expiresAt = expiry(s);
  if (typeof expiresAt !== 'number') return { error: expiresAt };
  const { request: b, flow, now } = s;
  // The request's redirectUrl, already checked at the boundary, must also be one the flow registered.
  const outside = b.redirectUrl && originRefusal(b.redirectUrl, flow.allowedRedirectOrigins);
  if (outside) return { error: invalidRequest('/body/redirectUrl', outside) };
  const options: ValidationOptions = {
    redirectUrl: b.redirectUrl ?? flow.redirectUrl,
    webhookUrl: b.webhookUrl ?? flow.webhookUrl,
    ipAddress: b.ipAddress,
    email: b.email,
    requires2FA: b.requires2FA,
    sendViaEmail: b.sendViaEmail,
    language: b.language,
  };
  const at = new Date(now).toISOString();
  const v: BiometricValidation = {
    id: s.newId(now),
    clientId: s.clientId,
    projectId: s.project.id,
    flowId: flow.id,
    sessionId: s.newId(now),
    sessionStatus: 'active',
    identifier: b.identifier,
    type: b.type,
    status: 'new',
    settings: {
      livenessMinScore: flow.livenessMinScore,
      searchMode: flow.searchMode,
      searchMinScore: flow.searchMinScore,
      maxAttempts: flow.maxAttempts,
      retainFaceImages: flow.retainFaceImages,
      livenessMode: flow.livenessMode,
      loginMatch: s.loginMatch ?? flow.loginMatch,
    },
    options,
    collectionId: s.collection?.id,
    collectionCode: s.collection?.code,
    livenessScore: 0,
    attempts: 0,
    maxAttempts: flow.maxAttempts,
    livenessResults: [],
    comparisonResults: [],
    expiresAt: new Date(expiresAt).toISOString(),
    createdAt: at,
    updatedAt: at,
    version: 0,
  };
  const mails: NewMail[] =
    options.sendViaEmail && options.email
      ? [{ validationId: v.id, kind: 'link', recipient: options.email, language: options.language }]
      : [];
  const session = { claims: { sub: v.id, sid: v.sessionId, project: v.projectId }, expiresAt };
  return { validation: v, mails, session };
}
