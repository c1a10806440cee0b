import { errorCodes } from '@faceproof/openapi/types';

/** `{ operationId: { status: codes } }`: the error codes the spec documents, from its named examples. */
export type ErrorCodeTable = Readonly<Record<string, Readonly<Record<number, readonly string[]>>>>;

const DOCUMENTED: ErrorCodeTable = errorCodes;

/**
 * Why an error body about to be sent is not one the spec documents for the operation and status,
 * or undefined when it is. Errors outside any operation (an unknown route's 404) and the 500 of a
 * defect are not the spec's to list.
 */
export function undocumentedError(
  operationId: string | undefined,
  status: number,
  code: string,
  table: ErrorCodeTable = DOCUMENTED,
): string | undefined {
  if (operationId === undefined || status === 500) return undefined;
  const codes = table[operationId]?.[status];
  if (codes?.includes(code)) return undefined;
  return codes === undefined
    ? `${operationId} does not document status ${status} (sending ${code})`
    : `${operationId} documents ${status} with ${codes.join(', ') || 'no code'}, not ${code}`;
}

/** What a route adds around its handler, each with the errors it may answer before the handler runs. */
export interface RouteShape {
  operationId: string;
  authenticated: boolean;
  validated: boolean;
  hasBody: boolean;
}

/** The errors the route of an operation can answer by itself: auth, validation, body limits, rate limit. */
export function routeErrors(route: RouteShape): [status: number, code: string][] {
  const out: [number, string][] = [[429, 'RATE_LIMITED']];
  if (route.authenticated)
    out.push([401, 'UNAUTHORIZED'], [401, 'INVALID_TOKEN'], [403, 'TOKEN_KIND_NOT_ACCEPTED']);
  if (route.validated || route.hasBody) out.push([400, 'INVALID_REQUEST']);
  if (route.hasBody) out.push([413, 'PAYLOAD_TOO_LARGE'], [415, 'UNSUPPORTED_MEDIA_TYPE']);
  return out;
}

/**
 * The start-up half of the check: every error a route can answer by itself, as it would be sent
 * (`sentCode` applies the operation's convention), that the spec does not document.
 */
export function routeErrorGaps(
  route: RouteShape,
  sentCode: (status: number, code: string) => string,
  table: ErrorCodeTable = DOCUMENTED,
): string[] {
  return routeErrors(route).flatMap(([status, code]) => {
    const problem = undocumentedError(route.operationId, status, sentCode(status, code), table);
    return problem ? [problem] : [];
  });
}
