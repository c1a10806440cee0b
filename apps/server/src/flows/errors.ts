import type { ErrorCode, ErrorCodes } from '@faceproof/openapi/types';
import type { ActiveLivenessReport } from './types.js';

/** An operation of the spec, by operationId. */
export type Operation = keyof ErrorCodes;

/**
 * A documented code as the server spells it: UPPER_SNAKE. The app-registration convention's
 * lower-case spelling (`appRegistration_not_active`) is made when the error is formatted.
 */
type Canonical<C> = C extends `appRegistration_${infer R}`
  ? `APP_REGISTRATION_${Uppercase<R>}`
  : C extends string
    ? Uppercase<C>
    : never;

interface ErrorBody {
  title: string;
  message: string;
  attemptsRemaining?: number;
  details?: { path: string; message: string; reason?: string }[];
  /** Appended to the app-registration convention's message, e.g. `@0.412` for a liveness score. */
  scoreSuffix?: string;
  /** A failed active-liveness attempt's checks. */
  liveness?: ActiveLivenessReport;
}

/**
 * An error as a flow decides it: data, not an exception, with a status and code that operation `O`
 * documents (checked at compile time against the spec's generated error codes). The handler turns
 * it into the API error that errors.ts formats in the operation's convention.
 */
export type FlowError<O extends Operation = Operation> = O extends Operation
  ? {
      [S in keyof ErrorCodes[O]]: ErrorBody & { status: S; code: Canonical<ErrorCode<O, S>> };
    }[keyof ErrorCodes[O]]
  : never;

/** An error in the validate convention, which repeats the code as the message. */
export const codeError = <S extends number, C extends string>(
  status: S,
  code: C,
  title: string,
  attemptsRemaining?: number,
) => ({
  status,
  code,
  title,
  message: code as string,
  ...(attemptsRemaining === undefined ? {} : { attemptsRemaining }),
});

export const sessionExpired = () => codeError(410, 'LIVENESS_SESSION_EXPIRED', 'Liveness session expired');
export const codeExpired = () => codeError(410, 'CODE_EXPIRED', 'Code expired');
export const alreadyCompleted = () =>
  codeError(409, 'BIOMETRIC_VALIDATION_ALREADY_COMPLETED', 'Biometric validation already completed');
