import type { ErrorCode, ErrorCodes } from '@faceproof/openapi/types';
import type { Issue } from './contract/validators.js';
import type { ActiveLivenessReport } from './flows/types.js';

/**
 * An API error in canonical form: an UPPER_SNAKE code and a sentence. `format()` renders it in the
 * convention of the operation that failed (see the ErrorResponse schema).
 */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    readonly title: string,
    message: string,
    readonly extra: {
      details?: (Issue & { reason?: string })[];
      attemptsRemaining?: number;
      scoreSuffix?: string;
      /** A failed active-liveness attempt's report (the ErrorResponse's `liveness`). */
      liveness?: ActiveLivenessReport;
    } = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export type Convention = 'create' | 'validate' | 'appRegistration';

/** The operations of the app-registration pages, whose errors read `{ code, message: "<status>:<code>" }`. */
const APP_REGISTRATION_CONVENTION = new Set([
  'createAppRegistrationBiometricValidation',
  'createAppRegistrationLivenessChallenge',
  'getOwnAppRegistration',
  'readOwnAppRegistration',
  'updateAppRegistration',
  'syncAppRegistration',
  'deleteBiometricValidation',
]);

export function conventionOf(operationId: string | undefined): Convention {
  if (
    operationId === 'validateBiometricValidation' ||
    operationId === 'confirmBiometricValidationCode' ||
    operationId === 'createLivenessChallenge'
  )
    return 'validate';
  if (operationId !== undefined && APP_REGISTRATION_CONVENTION.has(operationId)) return 'appRegistration';
  return 'create';
}

/** `APP_REGISTRATION_NOT_FOUND` → `appRegistration_not_found`, as the app-registration page spells it. */
function lowerCode(code: string): string {
  return code.toLowerCase().replace(/^app_registration_/, 'appRegistration_');
}

export function formatError(err: ApiError, convention: Convention, requestId: string) {
  const body: Record<string, unknown> = {
    success: false,
    code: err.code,
    error: err.title,
    message: err.message,
  };
  if (convention === 'validate') body.message = err.code;
  if (convention === 'appRegistration') {
    body.code = lowerCode(err.code);
    body.message = `${err.statusCode}:${body.code}${err.extra.scoreSuffix ?? ''}`;
  }
  if (err.extra.details?.length) body.details = err.extra.details;
  if (err.extra.attemptsRemaining !== undefined) body.attemptsRemaining = err.extra.attemptsRemaining;
  if (err.extra.liveness) body.liveness = err.extra.liveness;
  body.requestId = requestId;
  return body;
}

export const notFound = (code: string, title: string, message: string) =>
  new ApiError(404, code, title, message);
export const invalidRequest = (details: Issue[]) =>
  new ApiError(
    400,
    'INVALID_REQUEST',
    'Invalid request',
    details.map((d) => `${d.path.slice(1)} ${d.message}`).join('; ') || 'The request is invalid.',
    { details },
  );

/** The statuses operation `O` documents error codes for. */
export type ErrorStatus<O extends keyof ErrorCodes> = keyof ErrorCodes[O] & number;

/** The operations whose status `S` documents the code `C`: who may throw that error. */
export type Answering<S extends number, C extends string> = {
  [O in keyof ErrorCodes]: S extends ErrorStatus<O> ? (C extends ErrorCode<O, S> ? O : never) : never;
}[keyof ErrorCodes];

/**
 * An error of operation `O`, with a status and code the spec documents for it: anything else does
 * not compile. (The error handler checks again at run time, for errors made without this.)
 */
export function apiError<O extends keyof ErrorCodes, S extends ErrorStatus<O>>(
  _operationId: O,
  status: S,
  code: ErrorCode<O, S> & string,
  title: string,
  message: string,
  extra?: ApiError['extra'],
  headers?: Record<string, string>,
): ApiError {
  return new ApiError(status, code, title, message, extra, headers);
}
