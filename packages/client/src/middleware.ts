import type { Middleware } from 'openapi-fetch';
import { randomId } from './ids.js';
import {
  type Outcome,
  RETRY_COUNT_HEADER,
  type RetryOptions,
  retryDelay,
  retryPolicyOf,
  sleep,
} from './retry.js';

/** A bearer token, or a function that returns the current one (for tokens that rotate). */
export type TokenSource = string | (() => string | Promise<string>);

/** Sends `Authorization: Bearer <token>` unless the call set its own `Authorization`. */
export function authMiddleware(token: TokenSource): Middleware {
  return {
    async onRequest({ request }) {
      if (request.headers.has('Authorization')) return undefined;
      const value = typeof token === 'function' ? await token() : token;
      request.headers.set('Authorization', `Bearer ${value}`);
      return request;
    },
  };
}

/** Gives every request an `X-Request-Id`, so it can be traced even when no response comes back. */
export function requestIdMiddleware(): Middleware {
  return {
    onRequest({ request }) {
      if (request.headers.has('X-Request-Id')) return undefined;
      request.headers.set('X-Request-Id', randomId());
      return request;
    },
  };
}

/**
 * Puts a deadline on every request, retries included. A call sets its own with the
 * `faceproofTimeout` init field (ms, 0 for none), else `defaultMs` applies; a `signal` the caller
 * passed still aborts it too.
 */
export function timeoutMiddleware(defaultMs: number): Middleware {
  return {
    onRequest({ request }) {
      const own = (request as Request & { faceproofTimeout?: number }).faceproofTimeout;
      const ms = own ?? defaultMs;
      if (!ms || ms <= 0 || !Number.isFinite(ms)) return undefined;
      return new Request(request, { signal: AbortSignal.any([request.signal, AbortSignal.timeout(ms)]) });
    },
  };
}

const DEFAULTS: Required<RetryOptions> = {
  maxRetries: 2,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
};

/**
 * Retries what is safe to retry (see `retryPolicyOf`): keeps an unsent copy of each request and, on
 * a retryable outcome, waits (`Retry-After`, else backoff with jitter) and sends the copy again with
 * `X-Retry-Count`. Register it last, so the copy carries every header and the deadline.
 */
export function retryMiddleware(options: RetryOptions = {}): Middleware {
  const opts = { ...DEFAULTS, ...options };
  const pristine = new Map<string, () => Request>();

  async function loop(
    id: string,
    first: Outcome,
    schemaPath: string,
    fetchFn: typeof fetch,
  ): Promise<Outcome> {
    const make = pristine.get(id);
    pristine.delete(id);
    if (!make) return first;
    const copy = make();
    const policy = retryPolicyOf(copy.method, schemaPath, copy.headers);
    let outcome = first;
    for (let attempt = 0; ; attempt++) {
      const delay = retryDelay(policy, outcome, attempt, opts);
      if (delay === undefined) return outcome;
      // Free the connection of the answer we are discarding.
      await outcome.response?.body?.cancel().catch(() => {});
      await sleep(delay, copy.signal);
      const next = make();
      next.headers.set(RETRY_COUNT_HEADER, String(attempt + 1));
      try {
        outcome = { response: await fetchFn(next) };
      } catch (error) {
        outcome = { error };
      }
    }
  }

  return {
    async onRequest({ request, id }) {
      if (opts.maxRetries <= 0) return undefined;
      // Keep the body as bytes rather than clone() the Request: a cloned (teed) stream body is sent
      // chunked and costs about a third of a local round trip; bytes go out with a Content-Length.
      const body = request.body ? await request.arrayBuffer() : null;
      const make = () =>
        new Request(request.url, {
          method: request.method,
          headers: request.headers,
          body,
          signal: request.signal,
          redirect: request.redirect,
          credentials: request.credentials,
        });
      pristine.set(id, make);
      return make();
    },
    async onResponse({ response, id, schemaPath, options }) {
      const outcome = await loop(id, { response }, schemaPath, options.fetch);
      if (outcome.response) return outcome.response;
      throw outcome.error;
    },
    async onError({ error, id, schemaPath, options }) {
      const outcome = await loop(id, { error }, schemaPath, options.fetch);
      if (outcome.response) return outcome.response;
      return outcome.error instanceof Error
        ? outcome.error
        : new Error(String(outcome.error), { cause: outcome.error });
    },
  };
}
