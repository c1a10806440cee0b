/**
 * What the page shows after a validate call, decided from the HTTP status and the error envelope
 * alone (pure, so that every documented response of the spec is unit-tested against it).
 */
import type { MessageKey } from './messages/index.js';

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

export const IMAGE_REASONS = [
  'INVALID_IMAGE',
  'IMAGE_TOO_LARGE',
  'NO_FACE',
  'MULTIPLE_FACES',
  'FACE_TOO_SMALL',
  'FACE_TOO_DARK',
  'FACE_TOO_BRIGHT',
  'FACE_BLURRED',
  'FACE_CUT_OFF',
] as const;
type ImageReason = (typeof IMAGE_REASONS)[number];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

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

function reasonOf(body: Record<string, unknown>): MessageKey | undefined {
  const details = Array.isArray(body.details) ? body.details : [];
  for (const d of details) {
    if (isRecord(d) && IMAGE_REASONS.includes(d.reason as ImageReason)) {
      return `reason_${d.reason as ImageReason}`;
    }
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
function failedAttempt(title: MessageKey, body: MessageKey, b: Record<string, unknown>): Outcome {
  const left = typeof b.attemptsRemaining === 'number' ? b.attemptsRemaining : undefined;
  if (left === 0) return FAILED_FOR_GOOD();
  const reason = reasonOf(b);
  return problem(title, body, 'recapture', {
    ...(reason ? { reason } : {}),
    ...(left !== undefined ? { attemptsRemaining: left } : {}),
  });
}

/** Where a success goes: the redirect URL (http(s) only) or the success screen. */
function passed(
  b: Record<string, unknown>,
): { kind: 'redirect'; url: string } | { kind: 'success' } | undefined {
  if (b.success !== true || !isRecord(b.data)) return undefined;
  if (b.data.redirectUrl === undefined) return { kind: 'success' };
  const url = safeRedirect(b.data.redirectUrl);
  return url ? { kind: 'redirect', url } : undefined;
}

/** What the page shows after a confirm-2fa call. */
export type CodeOutcome =
  | Extract<Outcome, { kind: 'redirect' } | { kind: 'success' }>
  /** Stay on the code screen with this message (the code can be entered again). */
  | { kind: 'retry'; message: MessageKey; attemptsRemaining?: number; waitSeconds?: number }
  /** The validation can no longer be completed (or was completed already): a final screen. */
  | { kind: 'final'; title: MessageKey; body: MessageKey };

/** @param status HTTP status of the confirm-2fa call, 0 when no answer came. */
export function interpretCode(
  status: number,
  body: unknown,
  retryAfter?: string | null,
  now: number = Date.now(),
): CodeOutcome {
  const b = isRecord(body) ? body : {};
  const code = typeof b.code === 'string' ? b.code : '';
  const wait = retryAfterSeconds(retryAfter, now);
  const busy: CodeOutcome = {
    kind: 'retry',
    message: 'codeBusy',
    ...(wait !== undefined ? { waitSeconds: wait } : {}),
  };
  const final = (title: MessageKey, bodyKey: MessageKey): CodeOutcome => ({
    kind: 'final',
    title,
    body: bodyKey,
  });
  const exhausted = final('codeExhaustedTitle', 'codeExhaustedBody');
  if (status === 0) return busy;
  if (status >= 200 && status < 300) return passed(b) ?? final('unexpectedTitle', 'unexpectedBody');
  switch (status) {
    case 400: {
      if (code !== 'INVALID_CODE') return { kind: 'retry', message: 'codeFormat' };
      const left = typeof b.attemptsRemaining === 'number' ? b.attemptsRemaining : undefined;
      if (left === 0) return exhausted;
      return {
        kind: 'retry',
        message: 'codeWrong',
        ...(left !== undefined ? { attemptsRemaining: left } : {}),
      };
    }
    case 409:
      if (code === 'BIOMETRIC_VALIDATION_ALREADY_COMPLETED') return final('completedTitle', 'completedBody');
      if (code === 'CODE_ATTEMPTS_EXHAUSTED') return exhausted;
      return final('badLinkTitle', 'badLinkBody');
    case 410:
      return code === 'CODE_EXPIRED'
        ? final('codeExpiredTitle', 'codeExpiredBody')
        : final('expiredTitle', 'expiredBody');
    case 401:
    case 403:
    case 404:
      return final('badLinkTitle', 'badLinkBody');
    case 413:
    case 415:
      return { kind: 'retry', message: 'codeFormat' };
    default:
      return status === 429 || status >= 500 ? busy : final('unexpectedTitle', 'unexpectedBody');
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
  const b = isRecord(body) ? body : {};
  const code = typeof b.code === 'string' ? b.code : '';
  const wait = retryAfterSeconds(retryAfter, now);
  const withWait = wait !== undefined ? { waitSeconds: wait } : {};

  if (status === 0) return problem('networkTitle', 'networkBody', 'resend');
  if (status >= 200 && status < 300) {
    if (b.success === true && isRecord(b.data) && b.data.status === 'awaiting_2fa') return { kind: 'code' };
    return passed(b) ?? problem('unexpectedTitle', 'unexpectedBody', 'recapture');
  }
  switch (status) {
    case 400:
      switch (code) {
        case 'INVALID_BIOMETRIC_DATA':
          return failedAttempt('photoUnusableTitle', 'unreadableBody', b);
        case 'LIVENESS_DETECTION_FAILED':
          return failedAttempt('livenessTitle', 'livenessBody', b);
        case 'IDENTITY_VERIFICATION_FAILED':
          return failedAttempt('identityTitle', 'identityBody', b);
        default:
          // INVALID_REQUEST: the body broke the schema; no attempt was counted.
          return problem('unreadableTitle', 'unreadableBody', 'recapture');
      }
    case 401:
    case 403:
    case 404:
      return problem('badLinkTitle', 'badLinkBody', 'none');
    case 409:
      return code === 'BIOMETRIC_VALIDATION_ALREADY_COMPLETED'
        ? problem('completedTitle', 'completedBody', 'none')
        : FAILED_FOR_GOOD();
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
