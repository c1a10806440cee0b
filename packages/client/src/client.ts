import createClient, { type Client, type Middleware } from 'openapi-fetch';
import { FaceproofConnectionError, FaceproofTimeoutError } from './errors.js';
import type { components, paths } from './generated/schema.js';
import { randomId } from './ids.js';
import { type ImageInput, toImageDataUri } from './image.js';
import { authMiddleware, requestIdMiddleware, type TokenSource } from './middleware.js';
import { type FaceproofResult, toResult } from './result.js';
import type { RetryOptions } from './retry.js';
import { createTransport, deadline, ReplayableRequest } from './transport.js';

type Schemas = components['schemas'];

export interface FaceproofClientOptions {
  /** Where the API is, e.g. `https://faceproof.example.com` (no trailing `/v2`). */
  baseUrl: string;
  /** The client access token your backend creates validations with (or a function returning it). */
  accessToken?: TokenSource;
  /** Deadline of every call in ms, retries and waits included. Default 30 000; 0 for none. */
  timeout?: number;
  /** Retries of what is safe to retry. Default 2 retries; `{ maxRetries: 0 }` or `false` turns them off. */
  retry?: RetryOptions | false;
  /**
   * Send an `Idempotency-Key` (a random UUID) with every create that has none, so that it can be
   * retried after a network error. Default true; without a key a create is retried only when it
   * provably never left.
   */
  idempotencyKeys?: boolean;
  /** The fetch to use (a test double, a proxy agent, ...). Default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** More openapi-fetch middleware, run after authentication and before retries. */
  middleware?: Middleware[];
}

export interface CallOptions {
  /** Aborts the call (its retries included); the call rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Deadline of this call in ms, replacing the client's `timeout`; 0 for none. */
  timeout?: number;
  /** Extra headers for this call. */
  headers?: Record<string, string>;
  /** `X-Request-Id` to send; default a random UUID. */
  requestId?: string;
}

export type CreateBiometricValidationBody = Schemas['CreateBiometricValidationRequest'];
/** One frame of an active-liveness challenge, its `image` also a `Blob`/`File` or bytes. */
export type LivenessFrameInput = Omit<Schemas['LivenessFrame'], 'image'> & { image: ImageInput };
/**
 * The validate body, with `image` (and each frame's) also accepted as a `Blob`/`File` or bytes
 * (converted for you). On an active flow send `challengeId` and 8-15 `frames` too.
 */
export type ValidateBody = Omit<Schemas['ValidateBiometricValidationRequest'], 'image' | 'frames'> & {
  image: ImageInput;
  frames?: LivenessFrameInput[];
};
/** The app-registration body, with `image` (and each frame's) also accepted as a `Blob`/`File` or bytes. */
export type AppRegistrationFaceBody = Omit<
  Schemas['AppRegistrationBiometricValidationRequest'],
  'image' | 'frames'
> & {
  image: ImageInput;
  frames?: LivenessFrameInput[];
};

export interface LivenessSession {
  /**
   * The flow's liveness mode and, when it is `active`, the challenge of the next attempt (its steps,
   * its `_id` to send back with the frames). Not retried once sent: each call issues a new challenge.
   */
  challenge(options?: CallOptions): Promise<FaceproofResult<'createLivenessChallenge'>>;
  /** Sends the face image (and, on an active flow, the challenge's frames). Retried only on `503`. */
  validate(
    body: ValidateBody,
    options?: CallOptions,
  ): Promise<FaceproofResult<'validateBiometricValidation'>>;
}

export interface AppRegistrationSession {
  /** The onboarding flow's liveness mode and, when active, a challenge for this registration. */
  challenge(options?: CallOptions): Promise<FaceproofResult<'createAppRegistrationLivenessChallenge'>>;
  /** Enrols the face of the user onboarded by this app registration. Retried only on `503`. */
  validateFace(
    body: AppRegistrationFaceBody,
    options?: CallOptions,
  ): Promise<FaceproofResult<'createAppRegistrationBiometricValidation'>>;
}

export interface FaceproofClient {
  biometricValidations: {
    /** Opens a biometric validation (client access token); `data.data.token` is its liveness-session token. */
    create(
      body: CreateBiometricValidationBody,
      options?: CallOptions & { idempotencyKey?: string },
    ): Promise<FaceproofResult<'createBiometricValidation'>>;
  };
  /** Calls made with a liveness-session token (from `create`, or handed to the user's device). */
  session(livenessSessionToken: string): LivenessSession;
  /** Calls made with an app registration's token. */
  appRegistration(appRegistrationToken: string): AppRegistrationSession;
  /**
   * The openapi-fetch client, typed with every path of the spec (new operations appear here as soon
   * as the spec has them), with the same authentication, request ids, timeout and retries.
   */
  raw: Client<paths>;
}

type Outcome = { data?: unknown; error?: unknown; response: Response };

const operationPaths = {
  createBiometricValidation: '/v2/biometric-validations',
  validateBiometricValidation: '/v2/biometric-validations/validate',
  createAppRegistrationBiometricValidation: '/v2/biometric-validations/app-registration',
  createLivenessChallenge: '/v2/biometric-validations/liveness-challenge',
  createAppRegistrationLivenessChallenge: '/v2/biometric-validations/app-registration/liveness-challenge',
} as const satisfies Record<string, keyof paths>;

/** The body with its image and its frames' images as data URIs. */
async function withImages<B extends { image: ImageInput; frames?: LivenessFrameInput[] }>(body: B) {
  const image = await toImageDataUri(body.image);
  if (!body.frames) return { ...body, image };
  const frames = await Promise.all(
    body.frames.map(async (f) => ({ ...f, image: await toImageDataUri(f.image) })),
  );
  return { ...body, image, frames };
}

export function createFaceproofClient(options: FaceproofClientOptions): FaceproofClient {
  const retry = options.retry === false ? { maxRetries: 0 } : (options.retry ?? {});
  const retriesOn = (retry.maxRetries ?? 2) > 0;
  const timeout = options.timeout ?? 30_000;
  // The deadline and retries live in the fetch openapi-fetch calls rather than in middleware: a
  // middleware can only add a signal or keep a copy of the body by building a new Request, and that
  // costs a sizeable share of a loopback round trip (README, "For maintainers").
  const { accessToken } = options;
  const raw = createClient<paths>({
    baseUrl: options.baseUrl,
    Request: ReplayableRequest,
    fetch: createTransport({
      baseUrl: options.baseUrl,
      fetch: options.fetch,
      timeout,
      retry,
      requestIds: true,
    }),
    // A fixed token is a default header (a call's own Authorization still wins); a function needs
    // the middleware, which asks it on every request.
    headers:
      typeof accessToken === 'string'
        ? { Authorization: `Bearer ${accessToken}`, ...options.headers }
        : options.headers,
  });
  // With no middleware openapi-fetch skips its middleware machinery altogether, so request ids are
  // given by the transport; a middleware of yours is run after one that gives them, so it sees them.
  if (options.middleware?.length) raw.use(requestIdMiddleware());
  if (typeof accessToken === 'function') raw.use(authMiddleware(accessToken));
  for (const m of options.middleware ?? []) raw.use(m);

  async function call<Op extends keyof typeof operationPaths>(
    operationId: Op,
    body: unknown,
    callOptions: CallOptions | undefined,
    headers: Record<string, string>,
  ): Promise<FaceproofResult<Op>> {
    const requestId = callOptions?.requestId ?? randomId();
    headers['X-Request-Id'] = requestId;
    // The call owns its deadline, so that its timer is cleared as soon as the body is read. The
    // transport reads both fields (openapi-fetch copies unknown init fields onto the Request).
    const timer = deadline(callOptions?.timeout ?? timeout, callOptions?.signal);
    let outcome: Outcome;
    try {
      outcome = await raw.POST(operationPaths[operationId], {
        body: body as never,
        headers: callOptions?.headers ? { ...callOptions.headers, ...headers } : headers,
        // Parsed in toResult, so that a body that is not JSON is reported with its status.
        parseAs: 'text',
        faceproofTimeout: 0,
        faceproofSignal: timer.signal,
        // Also on the Request, so that it survives a middleware that builds a new one.
        ...(callOptions?.signal ? { signal: callOptions.signal } : {}),
      } as never);
    } catch (error) {
      throw toThrown(operationId, error, requestId, callOptions?.signal);
    } finally {
      timer.clear();
    }
    return toResult(operationId, outcome, requestId);
  }

  return {
    raw,
    biometricValidations: {
      create(body, callOptions) {
        const key =
          callOptions?.idempotencyKey ??
          (retriesOn && options.idempotencyKeys !== false ? randomId() : undefined);
        return call('createBiometricValidation', body, callOptions, key ? { 'Idempotency-Key': key } : {});
      },
    },
    session(token) {
      const auth = () => ({ Authorization: `Bearer ${token}` });
      return {
        challenge(callOptions) {
          return call('createLivenessChallenge', undefined, callOptions, auth());
        },
        async validate(body, callOptions) {
          return call('validateBiometricValidation', await withImages(body), callOptions, auth());
        },
      };
    },
    appRegistration(token) {
      const auth = () => ({ Authorization: `Bearer ${token}` });
      return {
        challenge(callOptions) {
          return call('createAppRegistrationLivenessChallenge', undefined, callOptions, auth());
        },
        async validateFace(body, callOptions) {
          return call(
            'createAppRegistrationBiometricValidation',
            await withImages(body),
            callOptions,
            auth(),
          );
        },
      };
    },
  };
}

/** Turns what fetch or openapi-fetch threw into the client's errors; a caller's own abort passes through. */
function toThrown(
  operationId: string,
  error: unknown,
  requestId: string,
  signal: AbortSignal | undefined,
): unknown {
  if (signal?.aborted && error === signal.reason) return error;
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError') {
    return new FaceproofTimeoutError(`${operationId}: timed out`, requestId, { cause: error });
  }
  if (name === 'AbortError') return error;
  if (error instanceof TypeError) {
    return new FaceproofConnectionError(`${operationId}: ${error.message}`, requestId, { cause: error });
  }
  return error;
}
