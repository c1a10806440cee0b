/**
 * Everything the client throws. HTTP errors the spec declares are *returned* as typed results, never
 * thrown; these cover what the spec cannot describe: no response at all, a deadline, or a response
 * that breaks the contract.
 */
export class FaceproofError extends Error {
  override name = 'FaceproofError';
  /** The `X-Request-Id` this request was sent with (quote it when reporting a problem). */
  readonly requestId: string | undefined;
  constructor(message: string, requestId: string | undefined, options?: { cause?: unknown }) {
    super(message, options);
    this.requestId = requestId;
  }
}

/** The request got no response: DNS, refused connection, reset, or the network went away. */
export class FaceproofConnectionError extends FaceproofError {
  override name = 'FaceproofConnectionError';
}

/** The client's or the call's `timeout` ran out (retries included). */
export class FaceproofTimeoutError extends FaceproofError {
  override name = 'FaceproofTimeoutError';
}

/**
 * The server answered with something the spec does not declare for this operation: another status,
 * an error `code` the operation does not list, or a body that is not the JSON the spec promises.
 */
export class FaceproofUnexpectedResponseError extends FaceproofError {
  override name = 'FaceproofUnexpectedResponseError';
  readonly status: number;
  /** The parsed body, or its text when it was not JSON. */
  readonly body: unknown;
  constructor(message: string, status: number, body: unknown, requestId: string | undefined) {
    super(message, requestId);
    this.status = status;
    this.body = body;
  }
}

/**
 * A declared API error, thrown only by `unwrap()` for callers who prefer exceptions to results.
 * `status` and `code` are those of the result; `body` is the error envelope.
 */
export class FaceproofApiError<S extends number = number, C extends string = string> extends FaceproofError {
  override name = 'FaceproofApiError';
  readonly status: S;
  readonly code: C;
  readonly body: { code: C; error: string; message: string };
  constructor(status: S, body: { code: C; error: string; message: string }, requestId: string | undefined) {
    super(`${status} ${body.code}: ${body.error}`, requestId);
    this.status = status;
    this.code = body.code;
    this.body = body;
  }
}

/** The value given as an image is of a type or format the API does not accept. */
export class FaceproofImageError extends TypeError {
  override name = 'FaceproofImageError';
}

/**
 * The secret given to `verifyWebhook` is not a webhook secret (`whsec_` and base64). Thrown rather
 * than returned: it is a configuration error, and answering Faceproof 4xx would only hide it.
 */
export class FaceproofWebhookSecretError extends TypeError {
  override name = 'FaceproofWebhookSecretError';
}
