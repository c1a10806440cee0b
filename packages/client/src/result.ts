import { FaceproofApiError, FaceproofUnexpectedResponseError } from './errors.js';
import { errorCodes } from './generated/error-codes.js';
import type { operations } from './generated/schema.js';

/** Every operationId of the spec; new operations appear here when the spec grows. */
export type OperationId = keyof operations;

type Responses<Op extends OperationId> = operations[Op]['responses'];
type JsonBody<R> = R extends { content: { 'application/json': infer B } } ? B : undefined;
type IsError<S> = S extends number ? (`${S}` extends `4${string}` | `5${string}` ? true : false) : false;

/** The statuses below 400 an operation declares. */
export type SuccessStatus<Op extends OperationId> = {
  [S in keyof Responses<Op>]: S extends number ? (IsError<S> extends true ? never : S) : never;
}[keyof Responses<Op>];

/** The 4xx/5xx statuses an operation declares. */
export type ErrorStatus<Op extends OperationId> = {
  [S in keyof Responses<Op>]: IsError<S> extends true ? S : never;
}[keyof Responses<Op>];

type CodeTable = typeof errorCodes;

/** The error codes an operation lists under a status (from the spec's named examples). */
export type ErrorCode<Op extends OperationId, S extends ErrorStatus<Op> = ErrorStatus<Op>> = {
  [K in S]: Op extends keyof CodeTable
    ? K extends keyof CodeTable[Op]
      ? CodeTable[Op][K] extends readonly (infer C extends string)[]
        ? C
        : string
      : string
    : string;
}[S];

interface ResultBase {
  /** The raw response, for headers such as `RateLimit-Remaining`. */
  response: Response;
  /** `X-Request-Id` of the response, else the one the request was sent with. */
  requestId: string | undefined;
}

/** A success: `data` is the body the spec declares for that status. */
export type SuccessResult<Op extends OperationId> = {
  [S in SuccessStatus<Op>]: ResultBase & {
    ok: true;
    status: S;
    data: JsonBody<Responses<Op>[S]>;
    error?: undefined;
    code?: undefined;
  };
}[SuccessStatus<Op>];

/** A declared error: one member per (status, code) pair, so `switch` on either narrows the other. */
export type ErrorResult<Op extends OperationId> = {
  [S in ErrorStatus<Op>]: {
    [C in ErrorCode<Op, S>]: ResultBase & {
      ok: false;
      status: S;
      code: C;
      error: JsonBody<Responses<Op>[S]> & { code: C };
      data?: undefined;
    };
  }[ErrorCode<Op, S>];
}[ErrorStatus<Op>];

/** What every call returns: exactly the outcomes the spec declares for the operation. */
export type FaceproofResult<Op extends OperationId> = SuccessResult<Op> | ErrorResult<Op>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * Checks an openapi-fetch outcome against what the operation declares and shapes it as a result.
 * Anything undeclared is a `FaceproofUnexpectedResponseError`, so the union stays honest.
 */
export function toResult<Op extends OperationId>(
  operationId: Op,
  outcome: { data?: unknown; error?: unknown; response: Response },
  sentRequestId?: string,
): FaceproofResult<Op> {
  const { response } = outcome;
  const requestId = response.headers.get('X-Request-Id') ?? sentRequestId;
  const status = response.status;
  if (response.ok) {
    let data = outcome.data;
    if (typeof data === 'string') {
      try {
        data = JSON.parse(data);
      } catch {
        throw new FaceproofUnexpectedResponseError(
          `${operationId}: ${status} response body is not JSON`,
          status,
          data,
          requestId,
        );
      }
    }
    if (!isObject(data)) {
      throw new FaceproofUnexpectedResponseError(
        `${operationId}: ${status} response has no JSON object body`,
        status,
        data,
        requestId,
      );
    }
    return { ok: true, status, data, response, requestId } as unknown as FaceproofResult<Op>;
  }
  const table = (errorCodes as Record<string, Record<number, readonly string[]>>)[operationId];
  const declared = table?.[status];
  const body = outcome.error;
  if (!declared) {
    throw new FaceproofUnexpectedResponseError(
      `${operationId}: status ${status} is not declared by the spec`,
      status,
      body,
      requestId,
    );
  }
  if (!isObject(body) || typeof body.code !== 'string') {
    throw new FaceproofUnexpectedResponseError(
      `${operationId}: ${status} response is not the error envelope`,
      status,
      body,
      requestId,
    );
  }
  if (!declared.includes(body.code)) {
    throw new FaceproofUnexpectedResponseError(
      `${operationId}: error code ${body.code} is not declared for status ${status}`,
      status,
      body,
      requestId,
    );
  }
  return {
    ok: false,
    status,
    code: body.code,
    error: body,
    response,
    requestId,
  } as unknown as FaceproofResult<Op>;
}

/** The success body, or a thrown `FaceproofApiError` for a declared error (for callers who prefer exceptions). */
export function unwrap<
  R extends { ok: boolean; data?: unknown; status: number; requestId: string | undefined },
>(result: R): Extract<R, { ok: true }>['data'] {
  if (result.ok) return result.data as Extract<R, { ok: true }>['data'];
  const { error } = result as unknown as { error: { code: string; error: string; message: string } };
  throw new FaceproofApiError(result.status, error, result.requestId);
}
