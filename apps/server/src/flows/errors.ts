/**
 * An error as a flow decides it: data, not an exception. The handler turns it into the API error
 * of its operation (errors.ts formats it in the operation's convention).
 */
export interface FlowError {
  status: number;
  /** An UPPER_SNAKE code the spec documents for the operation. */
  code: string;
  title: string;
  message: string;
  attemptsRemaining?: number;
  details?: { path: string; message: string; reason?: string }[];
  /** Appended to the app-registration convention's message, e.g. `@0.41` for a liveness score. */
  scoreSuffix?: string;
}

/** The validate convention repeats the code as the message. */
export const codeError = (
  status: number,
  code: string,
  title: string,
  attemptsRemaining?: number,
): FlowError => ({
  status,
  code,
  title,
  message: code,
  ...(attemptsRemaining === undefined ? {} : { attemptsRemaining }),
});

export const sessionExpired = () => codeError(410, 'LIVENESS_SESSION_EXPIRED', 'Liveness session expired');
export const codeExpired = () => codeError(410, 'CODE_EXPIRED', 'Code expired');
export const alreadyCompleted = () =>
  codeError(409, 'BIOMETRIC_VALIDATION_ALREADY_COMPLETED', 'Biometric validation already completed');
