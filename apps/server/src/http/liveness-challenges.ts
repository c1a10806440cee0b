import { DEFAULT_TIMING, FRAME_COUNT_LIMITS } from '@faceproof/face-engine';
import { type AppContext, auth } from '../context.js';
import { operation } from '../contract/operation.js';
import type { FlowError } from '../flows/errors.js';
import { type ChallengeSubject, newChallenge, presentChallenge } from '../flows/liveness/challenge.js';
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

/**
 * Stores a new challenge for `subject` (closing its open one) and presents it; `limitReached` is the
 * operation's documented 409 when the subject has had its share.
 */
async function issued(ctx: AppContext, subject: ChallengeSubject, limitReached: () => Error) {
  const { challenge, limit } = newChallenge(subject, {
    now: Date.now(),
    newId: () => objectId(),
    fixedSteps: ctx.config.FACEPROOF_TEST_CHALLENGE_STEPS,
  });
  if (!(await ctx.store.issueChallenge(challenge, limit))) throw limitReached();
  return { success: true as const, data: presentChallenge('active', challenge, LIMITS) };
}

const createLivenessChallenge = operation('createLivenessChallenge')(async (ctx, req) => {
  const v = await admitted(ctx, auth(req));
  const mode = v.settings.livenessMode;
  if (mode === 'passive') return { success: true as const, data: presentChallenge(mode, undefined, LIMITS) };
  const subject = {
    kind: 'validation',
    id: v.id,
    sessionId: v.sessionId,
    attempt: v.attempts,
    maxAttempts: v.maxAttempts,
  } as const;
  return issued(ctx, subject, () =>
    asApiError({
      status: 409,
      code: 'LIVENESS_CHALLENGE_LIMIT_REACHED',
      title: 'Liveness challenge limit reached',
      message: 'LIVENESS_CHALLENGE_LIMIT_REACHED',
    } satisfies FlowError<'createLivenessChallenge'>),
  );
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
    return issued(ctx, { kind: 'app-registration', id: r.id }, () =>
      asApiError({
        status: 409,
        code: 'LIVENESS_CHALLENGE_LIMIT_REACHED',
        title: 'Liveness challenge limit reached',
        message: 'Liveness challenge limit reached',
      } satisfies RegistrationError),
    );
  },
);

export const livenessChallengeHandlers = {
  ...createLivenessChallenge,
  ...createAppRegistrationLivenessChallenge,
};
