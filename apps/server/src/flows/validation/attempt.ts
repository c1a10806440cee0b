import type { FaceAnalysis, FaceAnalysisOk, SearchHit } from '@faceproof/face-engine';
import { livenessScore, matchScore, qualityScore, qualityWord, riskScore, templateRef } from '../analysis.js';
import { buildEnrolment, storedTemplates } from '../enrolment.js';
import { alreadyCompleted, codeError, type FlowError, sessionExpired } from '../errors.js';
import { type EventData, validationEvent } from '../events.js';
import type {
  BiometricValidation,
  ComparisonResultEntry,
  Enrolment,
  NewMail,
  Person,
  ValidationResult,
} from '../types.js';
import { type Completed, resultClaims } from './claims.js';
import { type Passed, type Refusal, refuse } from './decision.js';
import { expire } from './expire.js';
import { revise, transition } from './status.js';

type ValidateError = FlowError<'validateBiometricValidation'>;

/** The evidence of one validate call: the engine's analysis and what the store and index answered. */
export interface AttemptEvidence {
  analysis: FaceAnalysis;
  /** The image as sent, for the enrolment's retained image. */
  image: string;
  /** The 1:N search of the analysis in the validation's collection, best first (empty without one). */
  candidates: SearchHit[];
  /** The person enrolled under the validation's identifier, for login and onboarding. */
  enrolled?: Person;
}

export interface AttemptContext {
  now: number;
  /** The models whose templates an enrolment stores (Faces.storedModels). */
  templateModels: readonly string[];
  newId: () => string;
}

/** A passing attempt: its result (with the claims to sign, unless a 2FA code is awaited). */
export interface AttemptPassed extends Passed {
  /** An enrolled or refreshed person's templates to index once the change is saved. */
  indexed?: { collectionId: string; personId: string; templates: Readonly<Record<string, Float32Array>> };
  /** The retained face image, shown once in the response (never kept on the result). */
  faceImage?: string;
}

/** The decision of one validate call: a failed attempt (still counted and saved) or a passing one. */
export type AttemptDecision = (Refusal<ValidateError> & { next: BiometricValidation }) | AttemptPassed;

/**
 * What the handler must look up for an attempt on `v`, besides the analysis: the collection to
 * search, and whether the person enrolled under the identifier matters (login and onboarding).
 */
export function attemptLookups(v: BiometricValidation) {
  if (!v.collectionId) return undefined;
  return { collectionId: v.collectionId, enrolledPerson: v.type === 'login' || v.type === 'onboarding' };
}

/**
 * Whether `v` takes an attempt now, decided before the engine runs (so a refused attempt costs no
 * analysis). Past its expiry, the validation expires, and says so.
 */
export function admitAttempt(
  v: BiometricValidation,
  session: { sid: unknown; tokenExpired: boolean },
  now: number,
): Refusal<ValidateError> | undefined {
  if (v.status === 'completed' || v.status === 'awaiting_2fa') return refuse(alreadyCompleted());
  if (v.status === 'failed')
    return refuse(codeError(409, 'BIOMETRIC_VALIDATION_FAILED', 'Biometric validation failed', 0));
  if (v.status === 'expired') return refuse(sessionExpired());
  if (session.tokenExpired || Date.parse(v.expiresAt) <= now)
    return expire(v, now, 'LIVENESS_SESSION_EXPIRED');
  if (session.sid !== v.sessionId) return refuse(sessionExpired());
  return undefined;
}

/** Why an attempt failed: the reason the failed event gives when it was the last one allowed. */
type AttemptFailure = Exclude<EventData['biometric_validation_failed']['reason'], 'CODE_ATTEMPTS_EXHAUSTED'>;

const attemptError = (
  code: AttemptFailure,
  title: string,
  attemptsRemaining: number,
  message: string,
  reason?: string,
): ValidateError & { code: AttemptFailure } => ({
  ...codeError(400, code, title, attemptsRemaining),
  code,
  details: [{ path: '/body/image', message, ...(reason ? { reason } : {}) }],
});

/** Decides one validate call on `v` (admitted): liveness, then the 1:N result for its type. */
export function decideAttempt(
  v: BiometricValidation,
  ev: AttemptEvidence,
  ctx: AttemptContext,
): AttemptDecision {
  const at = new Date(ctx.now).toISOString();
  const counted: BiometricValidation = { ...revise(v, at), attempts: v.attempts + 1 };
  const remaining = Math.max(0, counted.maxAttempts - counted.attempts);
  const a = ev.analysis;
  if (!a.ok)
    return failAttempt(
      counted,
      attemptError('INVALID_BIOMETRIC_DATA', 'Invalid biometric data', remaining, a.message, a.reason),
    );
  const { livenessMinScore } = v.settings;
  const liveness = livenessScore(a);
  const passedLiveness = liveness >= livenessMinScore;
  const judged: BiometricValidation = {
    ...counted,
    livenessResults: [...v.livenessResults, { score: liveness, passed: passedLiveness, createdAt: at }],
    livenessScore: Math.max(v.livenessScore, liveness),
  };
  if (!passedLiveness)
    return failAttempt(
      judged,
      attemptError(
        'LIVENESS_DETECTION_FAILED',
        'Liveness detection failed',
        remaining,
        `Liveness score ${liveness} is below the minimum of ${livenessMinScore}.`,
      ),
    );
  const identity = v.collectionId ? judgeIdentity(v, ev, ctx.newId) : undefined;
  if (identity)
    judged.comparisonResults = [...v.comparisonResults, { ...identity.comparison, createdAt: at }];
  if (identity && !identity.passed)
    return failAttempt(
      judged,
      attemptError('IDENTITY_VERIFICATION_FAILED', 'Identity verification failed', remaining, identity.why),
    );
  return passAttempt(judged, a, liveness, identity, ev, ctx, at);
}

/** A failed attempt; the last one allowed fails the validation for good. */
function failAttempt(
  next: BiometricValidation,
  error: ValidateError & { code: AttemptFailure },
): Refusal<ValidateError> & { next: BiometricValidation } {
  const base = { events: [], mails: [], onConflict: 'rejudge' as const, error };
  if ((error.attemptsRemaining ?? 0) > 0) return { ...base, next };
  const failed = transition(next, 'failed');
  const events = validationEvent(failed, 'biometric_validation_failed', {
    status: 'failed',
    attempts: failed.attempts,
    reason: error.code,
  });
  return { ...base, next: failed, events };
}

interface Identity {
  passed: boolean;
  comparison: Omit<ComparisonResultEntry, 'createdAt'>;
  /** Why it failed, for the error's details. */
  why: string;
  person?: string;
  matchScore?: number;
  /** Onboarding: the person to enrol with this face. */
  enrolNew?: boolean;
}

/**
 * The 1:N result for the validation's type: `login` passes when the best match is the person
 * enrolled under the identifier; `onboarding` when no one matches and the identifier is free (a
 * new person is enrolled); `validation` and `oneTimeLink` when someone matches.
 */
export function judgeIdentity(v: BiometricValidation, ev: AttemptEvidence, newId: () => string): Identity {
  const best = ev.candidates[0];
  const score = matchScore(best?.score);
  const verdict = typeVerdict(v, ev, score, newId);
  return { ...verdict, comparison: { ...(best ? { person: best.id } : {}), score, passed: verdict.passed } };
}

function typeVerdict(
  v: BiometricValidation,
  ev: AttemptEvidence,
  score: number,
  newId: () => string,
): Omit<Identity, 'comparison'> {
  const min = v.settings.searchMinScore;
  const best = ev.candidates[0];
  const above = best !== undefined && score >= min;
  if (v.type === 'login') {
    const why = ev.enrolled
      ? `The face does not match the person enrolled as ${v.identifier} (best score ${score}, minimum ${min}).`
      : `No person is enrolled as ${v.identifier}.`;
    const passed = above && ev.enrolled !== undefined && best?.id === ev.enrolled.id;
    return passed ? { passed, why, person: ev.enrolled?.id, matchScore: score } : { passed, why };
  }
  if (v.type === 'onboarding') {
    const why = above
      ? `The face is already enrolled in the collection (score ${score}, minimum ${min}).`
      : `A person is already enrolled as ${v.identifier}.`;
    const passed = !above && !ev.enrolled;
    return passed ? { passed, why, person: newId(), matchScore: 1, enrolNew: true } : { passed, why };
  }
  const why = `No one in the collection matches the face (best score ${score}, minimum ${min}).`;
  return above ? { passed: true, why, person: best?.id, matchScore: score } : { passed: false, why };
}

/** What a passing attempt presents: the validate response's data without the token. */
function passedResult(
  v: BiometricValidation,
  a: FaceAnalysisOk,
  liveness: number,
  identity: Identity | undefined,
  at: string,
): ValidationResult {
  const quality = qualityScore(a);
  return {
    _id: v.id,
    status: v.options.requires2FA ? 'awaiting_2fa' : 'completed',
    type: v.type,
    identifier: v.identifier,
    ...(identity?.person ? { person: identity.person } : {}),
    ...(identity?.matchScore !== undefined ? { matchScore: identity.matchScore } : {}),
    verificationResults: {
      livenessDetection: 'passed',
      identityMatch: identity ? 'passed' : 'not_applicable',
      qualityScore: quality,
      antiSpoofing: 'passed',
    },
    biometricData: {
      template: templateRef(a.template),
      quality: qualityWord(quality),
      livenessScore: liveness,
    },
    riskScore: riskScore(liveness, identity?.matchScore, quality),
    completedAt: at,
  };
}

function passAttempt(
  v: BiometricValidation,
  a: FaceAnalysisOk,
  liveness: number,
  identity: Identity | undefined,
  ev: AttemptEvidence,
  ctx: AttemptContext,
  at: string,
): AttemptPassed {
  const result = passedResult(v, a, liveness, identity, at);
  const status = result.status === 'awaiting_2fa' ? 'awaiting_2fa' : 'completed';
  const next: Completed = { ...transition(v, status), personId: identity?.person, completedAt: at, result };
  const enrolment =
    identity?.enrolNew && next.personId && v.collectionId
      ? enrolNew(next, { id: next.personId, collectionId: v.collectionId }, a, ev, ctx, at)
      : undefined;
  // A completed login of the enrolled person replaces its templates with this capture's, one per stored
  // model: persons enrolled before a model change gain the new model's template by logging in.
  const loggedIn = v.type === 'login' && status === 'completed' ? ev.enrolled : undefined;
  const refresh =
    loggedIn && identity?.person === loggedIn.id
      ? {
          personId: loggedIn.id,
          collectionId: loggedIn.collectionId,
          templates: storedTemplates(a, ctx.templateModels, {
            personId: loggedIn.id,
            collectionId: loggedIn.collectionId,
            at,
            newId: ctx.newId,
          }),
        }
      : undefined;
  const matched = identity?.matchScore;
  return {
    next,
    enrolment,
    events: enrolment && matched !== undefined ? createdPersonEvent(next, enrolment, matched) : [],
    // With 2FA the result (token and webhook) waits for the code, emailed once this commits.
    mails: codeMail(next),
    onConflict: 'rejudge',
    claims: status === 'completed' ? resultClaims(next) : undefined,
    ...(refresh ? { refresh } : {}),
    indexed: enrolment
      ? { collectionId: enrolment.person.collectionId, personId: enrolment.person.id, templates: a.templates }
      : refresh && { collectionId: refresh.collectionId, personId: refresh.personId, templates: a.templates },
    faceImage:
      enrolment?.image &&
      `data:${enrolment.image.mime};base64,${Buffer.from(enrolment.image.image).toString('base64')}`,
  };
}

function enrolNew(
  v: Completed,
  person: { id: string; collectionId: string },
  a: FaceAnalysisOk,
  ev: AttemptEvidence,
  ctx: AttemptContext,
  at: string,
): Enrolment {
  return buildEnrolment({
    person: { ...person, clientId: v.clientId, projectId: v.projectId, identifier: v.identifier },
    analysis: a,
    image: ev.image,
    retainFaceImage: v.settings.retainFaceImages,
    templateModels: ctx.templateModels,
    at,
    newId: ctx.newId,
  });
}

function createdPersonEvent(v: Completed, enrolment: Enrolment, matchScore: number) {
  const r = v.result;
  return validationEvent(v, 'biometric_validation_created_person', {
    status: v.status === 'awaiting_2fa' ? 'awaiting_2fa' : 'completed',
    person: enrolment.person.id,
    matchScore,
    livenessScore: r.biometricData.livenessScore,
    riskScore: r.riskScore,
    collection: enrolment.person.collectionId,
  });
}

const codeMail = (v: BiometricValidation): NewMail[] =>
  v.options.requires2FA && v.options.email
    ? [{ validationId: v.id, kind: 'code', recipient: v.options.email, language: v.options.language }]
    : [];
