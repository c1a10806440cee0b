/** How a request may be retried, decided from what it is, never from what went wrong. */
export type RetryPolicy =
  /** Safe to repeat: any network error, `429` and `503`. */
  | 'idempotent'
  /**
   * Repeating it could act twice, but a `503` is documented as "nothing was recorded": that, and
   * connection errors raised before the request left (refused, DNS), are retried.
   */
  | 'unsent-or-503'
  /** Only connection errors raised before the request left. */
  | 'unsent';

export interface RetryOptions {
  /** Retries after the first attempt. Default 2; 0 turns retries off. */
  maxRetries?: number;
  /** First backoff delay, doubled on every retry, when the response has no `Retry-After`. Default 500 ms. */
  baseDelayMs?: number;
  /** Longest backoff delay, and longest `Retry-After` honoured (a longer one is returned as is). Default 8 s / 60 s. */
  maxDelayMs?: number;
  maxRetryAfterMs?: number;
}

export const RETRY_COUNT_HEADER = 'X-Retry-Count';

/** Paths whose POST is an attempt the server counts, so it must not be repeated blindly. */
const ATTEMPT_PATHS = new Set([
  '/v2/biometric-validations/validate',
  '/v2/biometric-validations/app-registration',
]);

export function retryPolicyOf(method: string, schemaPath: string, headers: Headers): RetryPolicy {
  if (ATTEMPT_PATHS.has(schemaPath)) return 'unsent-or-503';
  const m = method.toUpperCase();
  if (m === 'GET' || m === 'HEAD' || m === 'OPTIONS' || m === 'PUT' || m === 'DELETE') return 'idempotent';
  return headers.has('Idempotency-Key') ? 'idempotent' : 'unsent';
}

// Error codes of connection failures that happen before a byte of the request is written.
const UNSENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** True when the error proves the request never reached the server (Node's fetch says so in `cause.code`). */
export function isUnsentError(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNSENT_CODES.has(code)) return true;
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0 && errors.every(isUnsentError)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

export const isAbort = (error: unknown): boolean =>
  error instanceof Error || (typeof DOMException !== 'undefined' && error instanceof DOMException)
    ? (error as Error).name === 'AbortError' || (error as Error).name === 'TimeoutError'
    : false;

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value == null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const date = Date.parse(v);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Exponential backoff with jitter: base * 2^attempt, capped, minus up to 25 % at random. */
export function backoffDelay(attempt: number, baseDelayMs: number, maxDelayMs: number): number {
  const d = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
  return d * (1 - Math.random() * 0.25);
}

export type Outcome = { response: Response; error?: undefined } | { error: unknown; response?: undefined };

/** Milliseconds to wait before the next attempt, or undefined when this outcome is final. */
export function retryDelay(
  policy: RetryPolicy,
  outcome: Outcome,
  attempt: number,
  opts: Required<RetryOptions>,
): number | undefined {
  if (attempt >= opts.maxRetries) return undefined;
  if (outcome.error !== undefined || !outcome.response) {
    if (isAbort(outcome.error)) return undefined;
    if (policy === 'idempotent' || isUnsentError(outcome.error)) {
      return backoffDelay(attempt, opts.baseDelayMs, opts.maxDelayMs);
    }
    return undefined;
  }
  const { status } = outcome.response;
  const retryable = status === 503 || (status === 429 && policy === 'idempotent');
  if (!retryable || policy === 'unsent') return undefined;
  const after = parseRetryAfter(outcome.response.headers.get('Retry-After'));
  if (after === undefined) return backoffDelay(attempt, opts.baseDelayMs, opts.maxDelayMs);
  return after <= opts.maxRetryAfterMs ? after : undefined;
}

export const RETRY_DEFAULTS: Required<RetryOptions> = {
  maxRetries: 2,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
};

/**
 * Given the outcome of the first attempt, waits and sends again (`send(n)` for retry `n`, from 1)
 * while `retryDelay` says so. The waits end early with `signal`'s reason, so a deadline or the
 * caller's abort covers them too.
 */
export async function retryLoop(
  policy: RetryPolicy,
  first: Outcome,
  opts: Required<RetryOptions>,
  signal: AbortSignal | undefined,
  send: (attempt: number) => Promise<Response>,
): Promise<Outcome> {
  let outcome = first;
  for (let attempt = 0; ; attempt++) {
    const delay = retryDelay(policy, outcome, attempt, opts);
    if (delay === undefined) return outcome;
    // Free the connection of the answer we are discarding.
    await outcome.response?.body?.cancel().catch(() => {});
    await sleep(delay, signal);
    try {
      outcome = { response: await send(attempt + 1) };
    } catch (error) {
      outcome = { error };
    }
  }
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
