import { ApiError } from '../errors.js';
import type { FlowError } from '../flows/errors.js';

/** A flow's error as the API error the error handler formats in the operation's convention. */
export const asApiError = (e: FlowError) =>
  new ApiError(e.status, e.code, e.title, e.message, {
    ...(e.details ? { details: e.details } : {}),
    ...(e.attemptsRemaining !== undefined ? { attemptsRemaining: e.attemptsRemaining } : {}),
    ...(e.scoreSuffix ? { scoreSuffix: e.scoreSuffix } : {}),
    ...(e.liveness ? { liveness: e.liveness } : {}),
  });
