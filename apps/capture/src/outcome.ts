/**
 * What the page shows after a validate call, decided from the HTTP status and the error envelope
 * alone (pure, so that every documented response of the spec is unit-tested against it).
 *
 * Field names, statuses, image reasons and error codes are typed from the spec's generated types
 * (type-only imports, erased from the bundle): where the page tells responses apart by `code`, it
 * does so in a table keyed by the codes the spec documents for that operation and status, so that a
 * code the spec adds or drops breaks this build instead of falling through unnoticed.
 */
import type { components, ErrorCode } from '@faceproof/openapi/types';
import type { MessageKey } from './messages/index.js';

type Schemas = components['schemas'];
/** The image problems the spec names in `details[].reason`. */
export type ImageReason = NonNullable<Schemas['ValidationIssue']['reason']>;
type ValidateCode<S extends 400 | 409> = ErrorCode<'validateBiometricValidation', S>;
type ConfirmCode<S extends 400 | 409 | 410> = ErrorCode<'confirmBiometricValidationCode', S>;

/** A body as it arrives: the spec's field names, each value still to be checked. */
type Unchecked<T> = { readonly [K in keyof T]?: unknown };
type Body = Unchecked<Schemas['ErrorResponse']> & Unchecked<Schemas['ValidateBiometricValidationResponse']>;

/** What the main button does after a problem. */
export type Action =
  /** Open the camera again and take a new photo (the attempt was counted, or the photo was bad). */
  | 'recapture'
  /** Send the same photo again: nothing was recorded (503, 429, network). */
  | 'resend'
  /** Nothing to do on this page any more. */
  | 'none';

export type Outcome =
  | { kind: 'redirect'; url: string }
  | { kind: 'success' }
  /** The face passed; the result waits for the one-time code emailed to the user (`requires2FA`). */
  | { kind: 'code' }
  | {
      kind: 'problem';
      title: MessageKey;
      body: MessageKey;
      /** Advice for the image problem reported in `details[].reason`. */
      reason?: MessageKey;
      attemptsRemaining?: number;
      action: Action;
      /** Seconds to wait before the action is allowed (`Retry-After`). */
      waitSeconds?: number;
      /** The session can no longer be used: forget the token. */
      final: boolean;
    };

/**
 * The reasons the page has advice for (`reason_<REASON>` in the messages): every reason of the spec's
 * enum, which the type makes exhaustive. A runtime set, since the page must ignore a reason it does
 * not know.
 */
const IMAGE_REASON: Readonly<Record<ImageReason, true>> = {
  INVALID_IMAGE: true,
  IMAGE_TOO_LARGE: true,
  NO_FACE: true,
  MULTIPLE_FACES: true,
  FACE_TOO_SMALL: true,
  FACE_TOO_DARK: true,
  FACE_TOO_BRIGHT: true,
  FACE_BLURRED: true,
  FACE_CUT_OFF: true,
};
export const IMAGE_REASONS = Object.keys(IMAGE_REASON) as ImageReason[];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** `key` is one of the table's own keys (not `in`, which also sees `constructor`). */
const isKeyOf = <K extends string>(table: Readonly<Record<K, unknown>>, key: unknown): key is K =>
  typeof key === 'string' && Object.keys(table).includes(key);

/** Only http(s) URLs are followed: a `javascript:` URL in a response must never run. */
export function safeRedirect(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

function reasonOf(body: Body): MessageKey | undefined {
  const details = Array.isArray(body.details) ? body.details : [];
  for (const d of details) {
    const reason = isRecord(d) ? (d as Unchecked<Schemas['ValidationIssue']>).reason : undefined;
    if (isKeyOf(IMAGE_REASON, reason)) return `reason_${reason}`;
  }
  return undefined;
}

function retryAfterSeconds(header: string | null | undefined, now: number): number | undefined {
  if (!header) return undefined;
  const secs = Number(header);
  if (Number.isFinite(secs)) return Math.max(0, Math.ceil(secs));
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, Math.ceil((date - now) / 1000)) : undefined;
}

function problem(
  title: MessageKey,
  body: MessageKey,
  action: Action,
  extra: { reason?: MessageKey; attemptsRemaining?: number; waitSeconds?: number } = {},
): Outcome {
  const o: Outcome = { kind: 'problem', title, body, action, final: action === 'none' };
  if (extra.reason) o.reason = extra.reason;
  if (extra.attemptsRemaining !== undefined) o.attemptsRemaining = extra.attemptsRemaining;
  if (extra.waitSeconds !== undefined) o.waitSeconds = extra.waitSeconds;
  return o;
}

const FAILED_FOR_GOOD = (): Outcome => problem('failedTitle', 'failedBody', 'none', { attemptsRemaining: 0 });

/** A failed attempt: counted, so the next try needs a new photo, unless none are left. */
function failedAttempt([title, body]: Screen, b: Body): Outcome {
  const left = typeof b.attemptsRemaining === 'number' ? b.attemptsRemaining : undefined;
  if (left === 0) return FAILED_FOR_GOOD();
  const reason = reasonOf(b);
  return problem(title, body, 'recapture', {
    ...(reason ? { reason } : {}),
    ...(left !== undefined ? { attemptsRemaining: left } : {}),
  });
}

/** The `data` of a 200, when the body is a success. */
function resultOf(b: Body): Unchecked<Schemas['BiometricValidationResult']> | undefined {
  return b.success === true && isRecord(b.data) ? b.data : undefined;
}

/** Where a success goes: the redirect URL (http(s) only) or the success screen. */
function passed(b: Body): { kind: 'redirect'; url: string } | { kind: 'success' } | undefined {
  const data = resultOf(b);
  if (!data) return undefined;
  if (data.redirectUrl === undefined) return { kind: 'success' };
  const url = safeRedirect(data.redirectUrl);
  return url ? { kind: 'redirect', url } : undefined;
}

/** A screen's title and body. */
type Screen = readonly [title: MessageKey, body: MessageKey];

/** The failed attempts of validate's 400, by code; `null`: the request itself was refused, nothing counted. */
const VALIDATE_400: Readonly<Record<ValidateCode<400>, Screen | null>> = {
  INVALID_REQUEST: null,
  INVALID_BIOMETRIC_DATA: ['photoUnusableTitle', 'unreadableBody'],
  LIVENESS_DETECTION_FAILED: ['livenessTitle', 'livenessBody'],
  IDENTITY_VERIFICATION_FAILED: ['identityTitle', 'identityBody'],
  // Refused before anything was analysed: no attempt counted, the camera (never a file) again.
  ACTIVE_LIVENESS_REQUIRED: ['activeRequiredTitle', 'activeRequiredBody'],
  LIVENESS_CHALLENGE_INVALID: ['challengeTimeoutTitle', 'challengeTimeoutBody'],
  LIVENESS_CHALLENGE_EXPIRED: ['challengeTimeoutTitle', 'challengeTimeoutBody'],
};

type CheckName = Schemas['LivenessCheck']['name'];
/** Advice for the first failing check of an active attempt (`check_<name>`); `passive` never decides. */
const CHECK_ADVICE: Readonly<Record<CheckName, MessageKey | null>> = {
  frame_count: 'check_frame_count',
  timing: 'check_timing',
  one_face_same_person: 'check_one_face_same_person',
  challenge_followed: 'check_challenge_followed',
  not_flat: 'check_not_flat',
  passive: null,
  screen_cues: null,
};

/** An active attempt's failure: the report's first failing check, when the page has advice for it. */
function activeFailure(b: Body): MessageKey | undefined {
  const report = isRecord(b.liveness)
    ? (b.liveness as Unchecked<Schemas['ActiveLivenessReport']>)
    : undefined;
  const failed = report?.failedCheck;
  return isKeyOf(CHECK_ADVICE, failed) ? (CHECK_ADVICE[failed] ?? undefined) : undefined;
}

/** Validate's 409, by code: the validation already ended one way or the other. */
const VALIDATE_409: Readonly<Record<ValidateCode<409>, () => Outcome>> = {
  BIOMETRIC_VALIDATION_ALREADY_COMPLETED: () => problem('completedTitle', 'completedBody', 'none'),
  BIOMETRIC_VALIDATION_FAILED: FAILED_FOR_GOOD,
};

/** The final screens of confirm-2fa's 409, by code. */
const CONFIRM_409: Readonly<Record<ConfirmCode<409>, Screen>> = {
  BIOMETRIC_VALIDATION_NOT_AWAITING_CODE: ['badLinkTitle', 'badLinkBody'],
  BIOMETRIC_VALIDATION_ALREADY_COMPLETED: ['completedTitle', 'completedBody'],
  CODE_ATTEMPTS_EXHAUSTED: ['codeExhaustedTitle', 'codeExhaustedBody'],
  // A right code, but an onboarding overtaken while it was awaited (the face or identifier enrolled).
  IDENTITY_VERIFICATION_FAILED: ['enrolledMeanwhileTitle', 'enrolledMeanwhileBody'],
};

/** The final screens of confirm-2fa's 410, by code: the code or the whole validation expired. */
const CONFIRM_410: Readonly<Record<ConfirmCode<410>, Screen>> = {
  CODE_EXPIRED: ['codeExpiredTitle', 'codeExpiredBody'],
  LIVENESS_SESSION_EXPIRED: ['expiredTitle', 'expiredBody'],
};

/** What the page learns from Create liveness challenge: the flow's mode and, when active, the steps. */
export type ChallengeOutcome =
  | { kind: 'passive' }
  | {
      kind: 'active';
      id: string;
      steps: StepName[];
      expiresAt: number;
      minFrames: number;
      maxFrames: number;
      maxDurationMs: number;
    }
  | Extract<Outcome, { kind: 'problem' }>;

export type StepName = Schemas['LivenessChallengeStep'];
/** The prompt of each step (`step_<step>`); a step the page does not know makes the challenge unusable. */
export const STEP_PROMPT: Readonly<Record<StepName, MessageKey>> = {
  turn_left: 'step_turn_left',
  turn_right: 'step_turn_right',
  look_up: 'step_look_up',
  look_down: 'step_look_down',
  move_closer: 'step_move_closer',
};

/** @param status HTTP status of the challenge call, 0 when no answer came. */
export function interpretChallenge(
  status: number,
  body: unknown,
  retryAfter?: string | null,
  now: number = Date.now(),
): ChallengeOutcome {
  const b: Body & Unchecked<Schemas['CreateLivenessChallengeResponse']> = isRecord(body) ? body : {};
  if (status >= 200 && status < 300 && b.success === true && isRecord(b.data)) {
    const data = b.data as Unchecked<Schemas['CreateLivenessChallengeResponse']['data']>;
    if (data.livenessMode === 'passive') return { kind: 'passive' };
    const c = isRecord(data.challenge)
      ? (data.challenge as Unchecked<Schemas['LivenessChallenge']>)
      : undefined;
    const steps = Array.isArray(c?.steps) ? c.steps : [];
    const frames = isRecord(c?.frames) ? c.frames : {};
    const duration = isRecord(c?.durationMs) ? c.durationMs : {};
    const expiresAt = typeof c?.expiresAt === 'string' ? Date.parse(c.expiresAt) : Number.NaN;
    if (
      data.livenessMode === 'active' &&
      typeof c?._id === 'string' &&
      steps.length > 0 &&
      steps.every((s) => isKeyOf(STEP_PROMPT, s)) &&
      Number.isFinite(expiresAt)
    )
      return {
        kind: 'active',
        id: c._id,
        steps: steps as StepName[],
        expiresAt,
        minFrames: typeof frames.min === 'number' ? frames.min : 8,
        maxFrames: typeof frames.max === 'number' ? frames.max : 15,
        maxDurationMs: typeof duration.max === 'number' ? duration.max : 6000,
      };
    return problem('unexpectedTitle', 'unexpectedBody', 'recapture') as Extract<Outcome, { kind: 'problem' }>;
  }
  // The other statuses mean what they mean for validate (the session, the token, the limits).
  const o = interpret(status >= 200 && status < 300 ? 500 : status, body, retryAfter, now);
  return o.kind === 'problem'
    ? o
    : (problem('unexpectedTitle', 'unexpectedBody', 'recapture') as Extract<Outcome, { kind: 'problem' }>);
}

/** What the page shows after a confirm-2fa call. */
export type CodeOutcome =
  | Extract<Outcome, { kind: 'redirect' } | { kind: 'success' }>
  /** Stay on the code screen with this message (the code can be entered again). */
  | { kind: 'retry'; message: MessageKey; attemptsRemaining?: number; waitSeconds?: number }
  /** The validation can no longer be completed (or was completed already): a final screen. */
  | { kind: 'final'; title: MessageKey; body: MessageKey };

const finalScreen = ([title, body]: Screen): CodeOutcome => ({ kind: 'final', title, body });

/** A wrong code: the tries left, or the end when none are. */
function wrongCode(b: Body): CodeOutcome {
  const left = typeof b.attemptsRemaining === 'number' ? b.attemptsRemaining : undefined;
  if (left === 0) return finalScreen(CONFIRM_409.CODE_ATTEMPTS_EXHAUSTED);
  return { kind: 'retry', message: 'codeWrong', ...(left !== undefined ? { attemptsRemaining: left } : {}) };
}

/** Confirm-2fa's 400, by code: a wrong code counts a try, a refused request does not. */
const CONFIRM_400: Readonly<Record<ConfirmCode<400>, (b: Body) => CodeOutcome>> = {
  INVALID_REQUEST: () => ({ kind: 'retry', message: 'codeFormat' }),
  INVALID_CODE: wrongCode,
};

/** @param status HTTP status of the confirm-2fa call, 0 when no answer came. */
export function interpretCode(
  status: number,
  body: unknown,
  retryAfter?: string | null,
  now: number = Date.now(),
): CodeOutcome {
  const b: Body = isRecord(body) ? body : {};
  const code = b.code;
  const wait = retryAfterSeconds(retryAfter, now);
  const busy: CodeOutcome = {
    kind: 'retry',
    message: 'codeBusy',
    ...(wait !== undefined ? { waitSeconds: wait } : {}),
  };
  if (status === 0) return busy;
  if (status >= 200 && status < 300) return passed(b) ?? finalScreen(['unexpectedTitle', 'unexpectedBody']);
  switch (status) {
    case 400:
      return (isKeyOf(CONFIRM_400, code) ? CONFIRM_400[code] : CONFIRM_400.INVALID_REQUEST)(b);
    case 409:
      return finalScreen(isKeyOf(CONFIRM_409, code) ? CONFIRM_409[code] : ['badLinkTitle', 'badLinkBody']);
    case 410:
      return finalScreen(isKeyOf(CONFIRM_410, code) ? CONFIRM_410[code] : ['expiredTitle', 'expiredBody']);
    case 401:
    case 403:
    case 404:
      return finalScreen(['badLinkTitle', 'badLinkBody']);
    case 413:
    case 415:
      return { kind: 'retry', message: 'codeFormat' };
    default:
      return status === 429 || status >= 500 ? busy : finalScreen(['unexpectedTitle', 'unexpectedBody']);
  }
}

/**
 * @param status HTTP status, or 0 when the request never got an answer (network error, timeout).
 * @param body the parsed JSON body, or undefined.
 */
export function interpret(
  status: number,
  body: unknown,
  retryAfter?: string | null,
  now: number = Date.now(),
): Outcome {
  const b: Body = isRecord(body) ? body : {};
  const code = b.code;
  const wait = retryAfterSeconds(retryAfter, now);
  const withWait = wait !== undefined ? { waitSeconds: wait } : {};

  if (status === 0) return problem('networkTitle', 'networkBody', 'resend');
  if (status >= 200 && status < 300) {
    const awaiting: Schemas['BiometricValidationStatus'] = 'awaiting_2fa';
    if (resultOf(b)?.status === awaiting) return { kind: 'code' };
    return passed(b) ?? problem('unexpectedTitle', 'unexpectedBody', 'recapture');
  }
  switch (status) {
    case 400: {
      const active = code === 'LIVENESS_DETECTION_FAILED' && isRecord(b.liveness);
      const attempt = active
        ? (['activeFailedTitle', 'activeFailedBody'] as const)
        : isKeyOf(VALIDATE_400, code)
          ? VALIDATE_400[code]
          : null;
      if (!attempt) return problem('unreadableTitle', 'unreadableBody', 'recapture');
      const o = failedAttempt(attempt, b);
      const advice = active ? activeFailure(b) : undefined;
      return o.kind === 'problem' && advice && !o.reason ? { ...o, reason: advice } : o;
    }
    case 401:
    case 403:
    case 404:
      return problem('badLinkTitle', 'badLinkBody', 'none');
    case 409:
      return (isKeyOf(VALIDATE_409, code) ? VALIDATE_409[code] : FAILED_FOR_GOOD)();
    case 410:
      return problem('expiredTitle', 'expiredBody', 'none');
    case 413:
      return problem('tooLargeTitle', 'tooLargeBody', 'recapture');
    case 415:
      // The page always sends JSON: something between it and the API changed the request.
      return problem('unreadableTitle', 'unreadableBody', 'recapture');
    case 429:
    case 503:
      return problem('busyTitle', 'busyBody', 'resend', withWait);
    default:
      return status >= 500
        ? problem('unexpectedTitle', 'unexpectedBody', 'resend', withWait)
        : problem('unexpectedTitle', 'unexpectedBody', 'recapture');
  }
}
