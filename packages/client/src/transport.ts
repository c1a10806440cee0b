import { randomId } from './ids.js';
import {
  type Outcome,
  RETRY_COUNT_HEADER,
  RETRY_DEFAULTS,
  type RetryOptions,
  retryLoop,
  retryPolicyOf,
} from './retry.js';

// Why this file exists: handing a `Request` with a body to `fetch` makes undici build a second
// Request whose body is piped through a TransformStream, and re-sending it (retries) needs a copy
// of that stream. Both are a sizeable share of a loopback round trip. Keeping the body openapi-fetch
// serialized (a string) and calling `fetch(url, init)` with it costs what a hand-written fetch costs.

function isReplayable(body: unknown): body is BodyInit {
  return (
    typeof body === 'string' ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    body instanceof Blob ||
    body instanceof URLSearchParams ||
    body instanceof FormData
  );
}

/**
 * A `Request` that remembers the body it was built from when that body can be sent again as is
 * (a string, bytes, a `Blob`, form data; not a stream). Given to openapi-fetch as its `Request`.
 */
export class ReplayableRequest extends Request {
  #body: BodyInit | null | undefined;
  #signal: AbortSignal | undefined;
  constructor(input: RequestInfo | URL, init?: RequestInit) {
    super(input, init);
    this.#signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    const body = init?.body;
    if (body != null) {
      if (isReplayable(body)) this.#body = body;
    } else if (!(input instanceof Request) || input.body === null) {
      this.#body = null;
    }
  }

  // openapi-fetch checks what a middleware returns with `instanceof` the Request class it was given:
  // any Request must pass, or a middleware that builds a plain one would be refused.
  static override [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof Request;
  }

  /**
   * The signal `request` was given, if any. A Request's own `signal` always exists (a copy that
   * follows the given one), and handing it to fetch costs as much as a real deadline does.
   */
  static signalOf(request: Request): AbortSignal | undefined {
    return #signal in request ? request.#signal : request.signal;
  }

  /** The body `request` was built from (null: none) if it is a ReplayableRequest; else undefined. */
  static bodyOf(request: Request): BodyInit | null | undefined {
    return #body in request ? request.#body : undefined;
  }
}

/** The body a `ReplayableRequest` was built from (null: none), or undefined for any other Request. */
export const keptBody = (request: Request): BodyInit | null | undefined => ReplayableRequest.bodyOf(request);

/** The body of `request` as something that can be sent any number of times (reading it if need be). */
export async function replayableBody(request: Request): Promise<BodyInit | null> {
  const kept = ReplayableRequest.bodyOf(request);
  if (kept !== undefined) return kept;
  // A Request from elsewhere (a middleware built its own): its stream can be read once, so keep bytes.
  return request.body ? request.arrayBuffer() : null;
}

/** What `fetch(url, init)` needs to send the same request again, with `body` and `signal`. */
export function initOf(
  request: Request,
  body: BodyInit | null,
  signal: AbortSignal | undefined,
  retry = 0,
): RequestInit {
  let headers = request.headers;
  if (retry > 0) {
    headers = new Headers(headers);
    headers.set(RETRY_COUNT_HEADER, String(retry));
  }
  const init: RequestInit = { method: request.method, headers, body };
  if (signal) init.signal = signal;
  // Only what differs from a new Request's defaults: fetch parses every field it is given (the
  // referrer as a URL), which is a measurable share of a loopback call.
  if (request.redirect !== 'follow') init.redirect = request.redirect;
  if (request.credentials !== 'same-origin') init.credentials = request.credentials;
  if (request.mode !== 'cors') init.mode = request.mode;
  if (request.cache !== 'default') init.cache = request.cache;
  if (request.integrity) init.integrity = request.integrity;
  if (request.keepalive) init.keepalive = true;
  if (request.referrer !== 'about:client') init.referrer = request.referrer;
  if (request.referrerPolicy) init.referrerPolicy = request.referrerPolicy;
  return init;
}

/**
 * A signal that aborts after `ms` (with a `TimeoutError`, as `AbortSignal.timeout` would) or when
 * `signal` aborts (with its reason), and `clear()` to drop the timer and the listener once the call
 * is over. Cheaper than `AbortSignal.any([signal, AbortSignal.timeout(ms)])`, whose dependent
 * signals and 30 s timers outlive every call. No `ms` (0, negative, not finite): `signal` as is.
 */
export function deadline(
  ms: number,
  signal?: AbortSignal,
): { signal: AbortSignal | undefined; clear: () => void } {
  if (!(ms > 0 && Number.isFinite(ms))) return { signal, clear: () => {} };
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    // setTimeout fires at once past 2^31 - 1 ms.
    Math.min(ms, 2 ** 31 - 1),
  );
  const onAbort = () => controller.abort(signal?.reason);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    clear() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

/** The path of `url` below `baseUrl` (which may be relative, as `/` in a browser). */
export function pathOf(url: string, baseUrl: string): string {
  const path = new URL(url).pathname;
  const base = new URL(baseUrl || '/', url).pathname.replace(/\/+$/, '');
  return path.startsWith(base) ? path.slice(base.length) : path;
}

export interface TransportOptions {
  /** The client's `baseUrl`, to tell the operation's path from the URL (for the retry policy). */
  baseUrl: string;
  /** Called with a `Request` for every attempt; default `globalThis.fetch`, called with `(url, init)`. */
  fetch?: typeof globalThis.fetch | undefined;
  /** Deadline of each call in ms, retries and waits included; 0 for none. */
  timeout: number;
  retry: RetryOptions;
  /** Give a request without `X-Request-Id` a random one. */
  requestIds?: boolean;
}

/**
 * The `fetch` the client gives openapi-fetch: one deadline per call (`faceproofTimeout`, an init
 * field openapi-fetch copies onto the Request, else `timeout`; the client's own methods set theirs
 * and pass it as `faceproofSignal`) that also honours the call's `signal`; retries of what is safe
 * to retry (see `retryPolicyOf`) with `X-Retry-Count`; every attempt sent from the kept body.
 */
export function createTransport(options: TransportOptions): (request: Request) => Promise<Response> {
  const opts = { ...RETRY_DEFAULTS, ...options.retry };
  const custom = options.fetch;
  const send = (url: string, init: RequestInit) =>
    custom ? custom(new Request(url, init)) : globalThis.fetch(url, init);

  return async (request) => {
    const own = request as Request & { faceproofTimeout?: number; faceproofSignal?: AbortSignal };
    // Any signal costs fetch a measurable share of a loopback call (undici ties a WeakRef and a
    // finalizer to it), so none is passed unless there is a deadline or an abort to honour.
    const given = own.faceproofSignal ?? ReplayableRequest.signalOf(request);
    const ms = own.faceproofTimeout ?? options.timeout;
    const signal =
      ms > 0 && Number.isFinite(ms)
        ? given
          ? AbortSignal.any([given, AbortSignal.timeout(ms)])
          : AbortSignal.timeout(ms)
        : given;
    if (options.requestIds && !request.headers.has('X-Request-Id')) {
      request.headers.set('X-Request-Id', randomId());
    }
    const kept = keptBody(request);
    const body = kept !== undefined ? kept : await replayableBody(request);
    let outcome: Outcome;
    try {
      outcome = { response: await send(request.url, initOf(request, body, signal)) };
    } catch (error) {
      outcome = { error };
    }
    // Only an error, a 429 or a 503 can be retried; anything else skips the policy altogether.
    const status = outcome.response?.status;
    if (opts.maxRetries > 0 && (status === undefined || status === 429 || status === 503)) {
      const policy = retryPolicyOf(request.method, pathOf(request.url, options.baseUrl), request.headers);
      outcome = await retryLoop(policy, outcome, opts, signal, (n) =>
        send(request.url, initOf(request, body, signal, n)),
      );
    }
    if (outcome.response) return outcome.response;
    throw outcome.error;
  };
}
