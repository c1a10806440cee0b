import { DEFAULT_TIMING, FRAME_COUNT_LIMITS } from '@faceproof/face-engine';
import { auth } from '../context.js';
import { operation } from '../contract/operation.js';
import type { FlowError } from '../flows/errors.js';
import { newChallenge, presentChallenge } from '../flows/liveness/challenge.js';
import { objectId } from '../ids.js';
import { withExpiry } from '../resources/app-registrations.js';
import { asApiError } from './flow-error.js';
import { admitted } from './validation-sessions.js';

/**
 * The two challenge operations (issue 14): load the validation or registration, ask the flow for a
 * challenge, store it (closing the open one, refused past the limit) and present it.
 */

/** What the capture device is told to send: the engine's frame-count and duration limits. */
const LIMITS = {
  frames: { ...FRAME_COUNT_LIMITS },
  durationMs: { min: DEFAULT_TIMING.minDurationMs, max: DEFAULT_TIMING.maxDurationMs },
};

const createLivenessChallenge = operation('createLivenessChallenge')(async (ctx, req) => {
  const v = await admitted(ctx, auth(req));
  const mode = v.settings.livenessMode;
  if (mode === 'passive') return { success: true as const, data: presentChallenge(mode, undefined, LIMITS) };
  const { challenge, limit } = newChallenge(
    { kind: 'validation', id: v.id, sessionId: v.sessionId, attempt: v.attempts, maxAttempts: v.maxAttempts },
    { now: Date.now(), newId: () => objectId(), fixedSteps: ctx.config.FACEPROOF_TEST_CHALLENGE_STEPS },
  );
  if (!(await ctx.store.issueChallenge(challenge, limit)))
    throw asApiError({
      status: 409,
      code: 'LIVENESS_CHALLENGE_LIMIT_REACHED',
      title: 'Liveness challenge limit reached',
      message: 'LIVENESS_CHALLENGE_LIMIT_REACHED',
    } satisfies FlowError<'createLivenessChallenge'>);
  return { success: true as const, data: presentChallenge(mode, challenge, LIMITS) };
});

type RegistrationError = FlowError<'createAppRegistrationLivenessChallenge'>;

const createAppRegistrationLivenessChallenge = operation('createAppRegistrationLivenessChallenge')(
  async (ctx, req) => {
    const stored = await ctx.store.getAppRegistration(auth(req).subject);
    if (!stored)
      throw asApiError({
        status: 404,
        code: 'APP_REGISTRATION_NOT_FOUND',
        title: 'App registration not found',
        message: 'Not found',
      } satisfies RegistrationError);
    const r = withExpiry(stored);
    if (r.status !== 'STARTED' && r.status !== 'ONGOING')
      throw asApiError({
        status: 409,
        code: 'APP_REGISTRATION_NOT_ACTIVE',
        title: 'App registration not active',
        message: 'App registration not active',
      } satisfies RegistrationError);
    const flow = await ctx.store.getFlow(r.clientId, r.flowId);
    const mode = flow?.livenessMode ?? 'passive';
    if (mode === 'passive')
      return { success: true as const, data: presentChallenge(mode, undefined, LIMITS) };
    const { challenge, limit } = newChallenge(
      { kind: 'app-registration', id: r.id },
      { now: Date.now(), newId: () => objectId(), fixedSteps: ctx.config.FACEPROOF_TEST_CHALLENGE_STEPS },
    );
    if (!(await ctx.store.issueChallenge(challenge, limit)))
      throw asApiError({
        status: 409,
        code: 'LIVENESS_CHALLENGE_LIMIT_REACHED',
        title: 'Liveness challenge limit reached',
        message: 'Liveness challenge limit reached',
      } satisfies RegistrationError);
    return { success: true as const, data: presentChallenge(mode, challenge, LIMITS) };
  },
);

export const livenessChallengeHandlers = {
  ...createLivenessChallenge,
  ...createAppRegistrationLivenessChallenge,
};
