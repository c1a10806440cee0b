/**
 * The API calls of the page: validate the photo, then (with 2FA) confirm the emailed code. Each path
 * and its request body are typed from the spec (type-only import, erased from the bundle).
 */
import type { paths } from '@faceproof/openapi/types';

/** The JSON request body of the POST operation at `P` (none for an operation without one). */
type RequestBody<P extends keyof paths> = paths[P]['post'] extends {
  requestBody: { content: { 'application/json': infer B } };
}
  ? B
  : undefined;

export type ValidateBody = RequestBody<'/v2/biometric-validations/validate'>;

export interface ApiAnswer {
  /** 0 when no answer came (network error or timeout). */
  status: number;
  body: unknown;
  retryAfter: string | null;
}

const TIMEOUT_MS = 60_000;

/** @param apiBaseUrl where the API is, empty for the page's own origin. */
async function post<P extends keyof paths>(
  apiBaseUrl: string,
  path: P,
  token: string,
  payload: RequestBody<P>,
): Promise<ApiAnswer> {
  // Not AbortSignal.timeout(): Safari 15 lacks it.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(`${apiBaseUrl || location.origin}${path}`, {
      method: 'POST',
      headers: {
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        authorization: `Bearer ${token}`,
      },
      ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
      signal: abort.signal,
    });
  } catch {
    clearTimeout(timer);
    return { status: 0, body: undefined, retryAfter: null };
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  } finally {
    clearTimeout(timer);
  }
  return { status: response.status, body, retryAfter: response.headers.get('retry-after') };
}

export const validate = (apiBaseUrl: string, token: string, body: ValidateBody) =>
  post(apiBaseUrl, '/v2/biometric-validations/validate', token, body);
/** The flow's liveness mode and, when active, the challenge of the next attempt. */
export const requestChallenge = (apiBaseUrl: string, token: string) =>
  post(apiBaseUrl, '/v2/biometric-validations/liveness-challenge', token, undefined);
export const confirmCode = (apiBaseUrl: string, token: string, code: string) =>
  post(apiBaseUrl, '/v2/biometric-validations/confirm-2fa', token, { code });
