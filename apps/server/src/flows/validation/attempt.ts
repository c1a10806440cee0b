import type { FaceAnalysis, FaceAnalysisOk, SearchHit } from '@faceproof/face-engine';
import { livenessScore, matchScore, qualityScore, qualityWord, riskScore, templateRef } from '../analysis.js';
import { buildEnrolment, storedTemplates } from '../enrolment.js';
import { alreadyCompleted, codeError, type FlowError, sessionExpired } from '../errors.js';
import { type EventData, validationEvent } from '../events.js';
import type { ActiveJudgement } from '../liveness/active.js';
import { failureMessage } from '../liveness/active.js';
import type {
  ActiveLivenessReport,
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
import { createdPersonEvent, faceImageUri, onboardingConflict } from './onboarding.js';
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
  /** Active liveness: the engine's judgement of the frames (the flow's mode is `active`). */
  active?: ActiveJudgement;
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
  path = '/body/image',
): ValidateError & { code: AttemptFailure } => ({
  ...codeError(400, code, title, attemptsRemaining),
  code,
  details: [{ path, message, ...(reason ? { reason } : {}) }],
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
  // The handler refuses an active flow's request without frames before anything is analysed.
  if (v.settings.livenessMode === 'active' && !ev.active)
    throw new Error('decideAttempt: an active flow needs the judgement of its frames');
  if (ev.active?.kind === 'unreadable')
    return failAttempt(
      counted,
      attemptError(
        'INVALID_BIOMETRIC_DATA',
        'Invalid biometric data',
        remaining,
        ev.active.message,
        ev.active.reason,
        `/body/frames/${ev.active.frame}`,
      ),
    );
  const active = ev.active;
  const liveness = active ? active.passiveScore : livenessScore(a);
  const passedLiveness = active ? active.report.live : liveness >= livenessMinScore;
  const entry = { score: liveness, passed: passedLiveness, createdAt: at };
  const judged: BiometricValidation = {
    ...counted,
    livenessResults: [...v.livenessResults, active ? { ...entry, liveness: active.report } : entry],
    livenessScore: Math.max(v.livenessScore, liveness),
  };
  if (!passedLiveness)
    return failAttempt(
      judged,
      active
        ? {
            ...attemptError(
              'LIVENESS_DETECTION_FAILED',
              'Liveness detection failed',
              remaining,
              failureMessage(active.report),
              undefined,
              '/body/frames',
            ),
            liveness: active.report,
          }
        : attemptError(
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
  return passAttempt(judged, a, { score: liveness, report: active?.report }, identity, ev, ctx, at);
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
 * enrolled under the identifier (or, with the flow's `loginMatch: search`, whoever the search finds
 * at or above the minimum); `onboarding` when no one matches and the identifier is free (a
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
  if (v.type === 'login' && v.settings.loginMatch === 'search') {
    // Whoever the search finds is the person logged in; the identifier names the device, not them.
    const why = `No one in the collection matches the face (best score ${score}, minimum ${min}).`;
    return above ? { passed: true, why, person: best?.id, matchScore: score } : { passed: false, why };
  }
  if (v.type === 'login') {
    const why = ev.enrolled
      ? `The face does not match the person enrolled as ${v.identifier} (best score ${score}, minimum ${min}).`
      : `No person is enrolled as ${v.identifier}.`;
    const passed = above && ev.enrolled !== undefined && best?.id === ev.enrolled.id;
    return passed ? { passed, why, person: ev.enrolled?.id, matchScore: score } : { passed, why };
  }
  if (v.type === 'onboarding') {
    const why = onboardingConflict(v, ev.candidates, ev.enrolled);
    return why
      ? { passed: false, why }
      : { passed: true, why: '', person: newId(), matchScore: 1, enrolNew: true };
  }
  const why = `No one in the collection matches the face (best score ${score}, minimum ${min}).`;
  return above ? { passed: true, why, person: best?.id, matchScore: score } : { passed: false, why };
}

/** What a passing attempt presents: the validate response's data without the token. */
/** The liveness of a passing attempt: its score and, when active liveness decided, its report. */
interface PassedLiveness {
  score: number;
  report?: ActiveLivenessReport;
}

function passedResult(
  v: BiometricValidation,
  a: FaceAnalysisOk,
  { score: liveness, report }: PassedLiveness,
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
    // The passive score did not decide an active attempt, so it does not weigh on the risk either.
    riskScore: riskScore(report ? 1 : liveness, identity?.matchScore, quality),
    completedAt: at,
    ...(report ? { liveness: report } : {}),
  };
}

function passAttempt(
  v: BiometricValidation,
  a: FaceAnalysisOk,
  liveness: PassedLiveness,
  identity: Identity | undefined,
  ev: AttemptEvidence,
  ctx: AttemptContext,
  at: string,
): AttemptPassed {
  // With 2FA an onboarding enrols nobody yet: its enrolment is held until the code is confirmed.
  const holds = identity?.enrolNew === true && v.options.requires2FA;
  const shown = holds && identity ? { ...identity, person: undefined } : identity;
  const result = passedResult(v, a, liveness, shown, at);
  const status = result.status === 'awaiting_2fa' ? 'awaiting_2fa' : 'completed';
  const next: Completed = { ...transition(v, status), personId: shown?.person, completedAt: at, result };
  const enrolment =
    identity?.enrolNew && identity.person && v.collectionId
      ? enrolNew(next, { id: identity.person, collectionId: v.collectionId }, a, ev, ctx, at)
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
  if (holds)
    return { next, holdEnrolment: enrolment, events: [], mails: codeMail(next), onConflict: 'rejudge' };
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
    faceImage: enrolment && faceImageUri(enrolment),
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

const codeMail = (v: BiometricValidation): NewMail[] =>
  v.options.requires2FA && v.options.email
    ? [{ validationId: v.id, kind: 'code', recipient: v.options.email, language: v.options.language }]
    : [];
