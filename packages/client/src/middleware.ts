import type { Middleware } from 'openapi-fetch';
import { randomId } from './ids.js';
import { type Outcome, RETRY_DEFAULTS, type RetryOptions, retryLoop, retryPolicyOf } from './retry.js';
import { initOf, keptBody, ReplayableRequest, replayableBody } from './transport.js';

/** A bearer token, or a function that returns the current one (for tokens that rotate). */
export type TokenSource = string | (() => string | Promise<string>);

/** Sends `Authorization: Bearer <token>` unless the call set its own `Authorization`. */
export function authMiddleware(token: TokenSource): Middleware {
  const set = (request: Request, value: string) => {
    request.headers.set('Authorization', `Bearer ${value}`);
    return request;
  };
  return {
    onRequest({ request }) {
      if (request.headers.has('Authorization')) return undefined;
      if (typeof token === 'string') return set(request, token);
      return Promise.resolve(token()).then((value) => set(request, value));
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
 * Puts a deadline on every request, retries included (register it before `retryMiddleware`). A call sets its own with the
 * `faceproofTimeout` init field (ms, 0 for none), else `defaultMs` applies; a `signal` the caller
 * passed still aborts it too.
 */
export function timeoutMiddleware(defaultMs: number): Middleware {
  return {
    onRequest({ request }) {
      const own = (request as Request & { faceproofTimeout?: number }).faceproofTimeout;
      const ms = own ?? defaultMs;
      if (!ms || ms <= 0 || !Number.isFinite(ms)) return undefined;
      const signal = AbortSignal.any([request.signal, AbortSignal.timeout(ms)]);
      const body = keptBody(request);
      // Built from the kept body, the copy stays replayable and its body is no piped stream.
      return body === undefined
        ? new Request(request, { signal })
        : new ReplayableRequest(request.url, initOf(request, body, signal));
    },
  };
}

/**
 * Retries what is safe to retry (see `retryPolicyOf`): on a retryable outcome, waits (`Retry-After`,
 * else backoff with jitter) and sends the request again with `X-Retry-Count`. Register it last, so
 * the copies carry every header and the deadline. `createFaceproofClient` does the same in its
 * transport instead; this is for your own openapi-fetch clients (give them `Request:
 * ReplayableRequest` and the first attempt is sent as is, without a copy of its body).
 */
export function retryMiddleware(options: RetryOptions = {}): Middleware {
  const opts = { ...RETRY_DEFAULTS, ...options };
  const kept = new Map<string, BodyInit | null>();

  async function loop(
    id: string,
    first: Outcome,
    request: Request,
    schemaPath: string,
    fetchFn: (request: Request) => Promise<Response>,
  ): Promise<Outcome> {
    const body = kept.get(id);
    kept.delete(id);
    if (body === undefined) return first;
    const policy = retryPolicyOf(request.method, schemaPath, request.headers);
    return retryLoop(policy, first, opts, request.signal, (n) =>
      fetchFn(new Request(request.url, initOf(request, body, request.signal, n))),
    );
  }

  return {
    async onRequest({ request, id }) {
      if (opts.maxRetries <= 0) return undefined;
      const known = keptBody(request);
      if (known !== undefined) {
        kept.set(id, known);
        return undefined;
      }
      // A stream body can be read only once: keep it as bytes (a teed clone would go out chunked)
      // and send a copy built from them.
      const body = await replayableBody(request);
      kept.set(id, body);
      return new Request(request.url, initOf(request, body, request.signal));
    },
    async onResponse({ request, response, id, schemaPath, options }) {
      const outcome = await loop(id, { response }, request, schemaPath, options.fetch);
      if (outcome.response) return outcome.response;
      throw outcome.error;
    },
    async onError({ request, error, id, schemaPath, options }) {
      const outcome = await loop(id, { error }, request, schemaPath, options.fetch);
      if (outcome.response) return outcome.response;
      return outcome.error instanceof Error
        ? outcome.error
        : new Error(String(outcome.error), { cause: outcome.error });
    },
  };
}
