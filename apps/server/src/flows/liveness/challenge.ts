import { issueChallenge, type RandomInt } from '@faceproof/face-engine';
import type { components } from '@faceproof/openapi/types';
import type { FlowError } from '../errors.js';
import type { ChallengeStep, LivenessChallenge, LivenessMode } from '../types.js';

/**
 * Issuing and admitting active-liveness challenges (issue 14), as plain functions of the stored
 * state and the clock. The engine draws the steps (`issueChallenge`, node:crypto); the server binds
 * them to who asked and when, and accepts each one once.
 */

/** How long a challenge may be answered. */
export const CHALLENGE_TTL_MS = 60_000;
/**
 * Challenges a validation may be issued per attempt its flow allows: room for a user who takes too
 * long twice, while a client cannot keep drawing until a challenge matches a recording it holds.
 */
export const CHALLENGES_PER_ATTEMPT = 3;
/** Challenges an app registration may be issued (it has no attempt count). */
export const APP_REGISTRATION_CHALLENGES = 10;

export interface IssueContext {
  now: number;
  newId: () => string;
  /**
   * Steps every challenge gets instead of a random draw: only the browser tests set it, through a
   * setting the configuration refuses outside NODE_ENV=test (config.ts, FACEPROOF_TEST_CHALLENGE_STEPS).
   */
  fixedSteps?: readonly ChallengeStep[];
  random?: RandomInt;
}

export type ChallengeSubject =
  | { kind: 'validation'; id: string; sessionId: string; attempt: number; maxAttempts: number }
  | { kind: 'app-registration'; id: string };

/** A new challenge for `subject`, and how many challenges the subject may have had in all. */
export function newChallenge(
  subject: ChallengeSubject,
  ctx: IssueContext,
): { challenge: LivenessChallenge; limit: number } {
  const drawn = issueChallenge({
    now: ctx.now,
    ttlMs: CHALLENGE_TTL_MS,
    ...(ctx.random ? { random: ctx.random } : {}),
  });
  const steps = ctx.fixedSteps?.length ? [...ctx.fixedSteps] : drawn.steps;
  const base = {
    id: ctx.newId(),
    subjectId: subject.id,
    steps,
    issuedAt: new Date(drawn.issuedAt).toISOString(),
    expiresAt: new Date(drawn.expiresAt).toISOString(),
  };
  return subject.kind === 'validation'
    ? {
        challenge: {
          ...base,
          subjectKind: 'validation',
          sessionId: subject.sessionId,
          attempt: subject.attempt,
        },
        limit: subject.maxAttempts * CHALLENGES_PER_ATTEMPT,
      }
    : {
        challenge: { ...base, subjectKind: 'app-registration', attempt: 0 },
        limit: APP_REGISTRATION_CHALLENGES,
      };
}

type ChallengeResponseData = components['schemas']['CreateLivenessChallengeResponse']['data'];

/** The challenge operations' answer: the mode, and the challenge with the engine's frame and timing limits. */
export function presentChallenge(
  mode: LivenessMode,
  c: LivenessChallenge | undefined,
  limits: { frames: { min: number; max: number }; durationMs: { min: number; max: number } },
): ChallengeResponseData {
  if (mode === 'passive' || !c) return { livenessMode: 'passive' };
  return {
    livenessMode: 'active',
    challenge: { _id: c.id, steps: c.steps, issuedAt: c.issuedAt, expiresAt: c.expiresAt, ...limits },
  };
}

/** What a validate call of an active flow must answer: the challenge, bound to whom and when. */
export interface ChallengeBinding {
  subjectId: string;
  /** A validation's liveness session and attempt count; absent for an app registration. */
  sessionId?: string;
  attempt?: number;
}

export type ChallengeRefusal = 'invalid' | 'expired';

/**
 * Why the challenge named by a request cannot be answered, or undefined when it can: it must be the
 * subject's, of the current session and attempt, still open (not answered, not replaced) and not
 * expired by the server's clock.
 */
export function challengeRefusal(
  c: LivenessChallenge | undefined,
  bind: ChallengeBinding,
  now: number,
): { kind: ChallengeRefusal; message: string } | undefined {
  const again = 'get a new one from the liveness-challenge operation';
  if (!c || c.subjectId !== bind.subjectId)
    return { kind: 'invalid', message: `No such challenge; ${again}.` };
  if (bind.sessionId !== undefined && c.sessionId !== bind.sessionId)
    return { kind: 'invalid', message: `The challenge belongs to another liveness session; ${again}.` };
  if (c.closedAt)
    return { kind: 'invalid', message: `This challenge was already answered or replaced; ${again}.` };
  if (bind.attempt !== undefined && c.attempt !== bind.attempt)
    return { kind: 'invalid', message: `The challenge was issued for an earlier attempt; ${again}.` };
  if (Date.parse(c.expiresAt) <= now)
    return { kind: 'expired', message: `The challenge expired at ${c.expiresAt}; ${again}.` };
  return undefined;
}

type ValidateError = FlowError<'validateBiometricValidation'>;
type EnrolError = FlowError<'createAppRegistrationBiometricValidation'>;

/**
 * What a request's liveness fields say before anything is analysed: a passive flow takes `image`
 * alone; an active flow needs `challengeId` and `frames`. These refusals count no attempt.
 */
export function livenessInputRefusal(
  mode: LivenessMode,
  body: { challengeId?: string; frames?: unknown[] },
  where: string,
):
  | {
      status: 400;
      code: 'INVALID_REQUEST' | 'ACTIVE_LIVENESS_REQUIRED';
      title: string;
      message: string;
      details: { path: string; message: string }[];
    }
  | undefined {
  const sentActive = body.challengeId !== undefined || body.frames !== undefined;
  if (mode === 'passive' && sentActive)
    return {
      status: 400,
      code: 'INVALID_REQUEST',
      title: 'Invalid request',
      message: 'This flow uses passive liveness: send only image.',
      details: [
        {
          path: body.frames !== undefined ? '/body/frames' : '/body/challengeId',
          message: 'This flow uses passive liveness: send only image, without challengeId and frames.',
        },
      ],
    };
  if (mode === 'active' && (body.challengeId === undefined || body.frames === undefined)) {
    const missing = body.challengeId === undefined ? '/body/challengeId' : '/body/frames';
    const message = `This flow uses active liveness. Get a challenge from POST ${where} and send its challengeId with 8-15 frames of the user following it, plus the still as image.`;
    return {
      status: 400,
      code: 'ACTIVE_LIVENESS_REQUIRED',
      title: 'Active liveness required',
      message,
      details: [{ path: body.frames === undefined ? '/body/frames' : missing, message }],
    };
  }
  return undefined;
}

/** A challenge refusal as the validate operation's error (no attempt counted). */
export const validateChallengeError = (r: { kind: ChallengeRefusal; message: string }): ValidateError =>
  r.kind === 'expired'
    ? {
        status: 400,
        code: 'LIVENESS_CHALLENGE_EXPIRED',
        title: 'Liveness challenge expired',
        message: 'LIVENESS_CHALLENGE_EXPIRED',
        details: [{ path: '/body/challengeId', message: r.message }],
      }
    : {
        status: 400,
        code: 'LIVENESS_CHALLENGE_INVALID',
        title: 'Liveness challenge invalid',
        message: 'LIVENESS_CHALLENGE_INVALID',
        details: [{ path: '/body/challengeId', message: r.message }],
      };

/** A challenge refusal as the app-registration operation's error. */
export const enrolChallengeError = (r: { kind: ChallengeRefusal; message: string }): EnrolError =>
  r.kind === 'expired'
    ? {
        status: 400,
        code: 'LIVENESS_CHALLENGE_EXPIRED',
        title: 'Liveness challenge expired',
        message: r.message,
        details: [{ path: '/body/challengeId', message: r.message }],
      }
    : {
        status: 400,
        code: 'LIVENESS_CHALLENGE_INVALID',
        title: 'Liveness challenge invalid',
        message: r.message,
        details: [{ path: '/body/challengeId', message: r.message }],
      };
