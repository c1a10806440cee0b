/** The API calls of the page: validate the photo, then (with 2FA) confirm the emailed code. */
export interface ApiAnswer {
  /** 0 when no answer came (network error or timeout). */
  status: number;
  body: unknown;
  retryAfter: string | null;
}

const TIMEOUT_MS = 60_000;

export function validateUrl(apiBaseUrl: string): string {
  return `${apiBaseUrl || location.origin}/v2/biometric-validations/validate`;
}

export function confirmUrl(apiBaseUrl: string): string {
  return `${apiBaseUrl || location.origin}/v2/biometric-validations/confirm-2fa`;
}

async function post(url: string, token: string, payload: unknown): Promise<ApiAnswer> {
  // Not AbortSignal.timeout(): Safari 15 lacks it.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(payload),
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

export const validate = (url: string, token: string, image: string) => post(url, token, { image });
export const confirmCode = (url: string, token: string, code: string) => post(url, token, { code });
