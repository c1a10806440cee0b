import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { undocumentedError } from '../../contract/error-codes.js';
import { ApiError, conventionOf, formatError, invalidRequest } from '../../errors.js';

/** Any error a request ends with, as the API error the spec documents for it. */
export function toApiError(error: FastifyError | ApiError): ApiError {
  if (error instanceof ApiError) return error;
  const code = (error as FastifyError).code;
  const status = (error as FastifyError).statusCode ?? 500;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413)
    return new ApiError(
      413,
      'PAYLOAD_TOO_LARGE',
      'Payload too large',
      'The request body is larger than 8 MiB.',
    );
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || status === 415)
    return new ApiError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'Unsupported media type',
      'Send the body as application/json.',
    );
  if (status === 429)
    return new ApiError(
      429,
      'RATE_LIMITED',
      'Too many requests',
      error.message || 'Too many requests; retry later.',
    );
  if (status >= 400 && status < 500)
    return invalidRequest([{ path: '/body', message: error.message || 'is invalid' }]);
  return new ApiError(500, 'INTERNAL_ERROR', 'Internal error', 'The server failed to process the request.');
}

/** Errors expected under load or at shutdown: answered, not logged as failures. */
const ROUTINE_5XX = new Set(['ENGINE_BUSY', 'NOT_READY']);

/** Under test an undocumented error fails loudly: a 500 whose message says what the spec lacks. */
const STRICT = process.env.NODE_ENV === 'test';

/**
 * The body of an error in the operation's convention, after checking its code is one the spec
 * documents for that operation and status: a code the spec does not list is logged as an error.
 */
function checkedBody(apiError: ApiError, req: FastifyRequest) {
  const operationId = req.routeOptions.config.operationId;
  const body = formatError(apiError, conventionOf(operationId), req.id);
  const problem = undocumentedError(operationId, apiError.statusCode, String(body.code));
  if (!problem) return { status: apiError.statusCode, body };
  req.log.error({ err: apiError, problem }, 'undocumented error code');
  if (!STRICT) return { status: apiError.statusCode, body };
  const loud = new ApiError(500, 'INTERNAL_ERROR', 'Undocumented error', `Undocumented error: ${problem}.`);
  return { status: 500, body: formatError(loud, 'create', req.id) };
}

function sendError(apiError: ApiError, req: FastifyRequest, reply: FastifyReply) {
  for (const [k, v] of Object.entries(apiError.headers)) reply.header(k, v);
  if (apiError.statusCode === 401)
    reply.header(
      'www-authenticate',
      apiError.code === 'UNAUTHORIZED'
        ? 'Bearer realm="faceproof"'
        : 'Bearer realm="faceproof", error="invalid_token"',
    );
  const { status, body } = checkedBody(apiError, req);
  return reply.code(status).send(body);
}

/** Every error answered in the spec's error shape, in the convention of the operation that failed. */
export function registerErrorHandling(app: FastifyInstance) {
  app.setNotFoundHandler((req, reply) => {
    const err = new ApiError(
      404,
      'NOT_FOUND',
      'Not found',
      `No operation ${req.method} ${req.url.split('?')[0]}.`,
    );
    reply.code(404).send(formatError(err, 'create', req.id));
  });
  app.setErrorHandler((error: FastifyError | ApiError, req, reply) => {
    const apiError = toApiError(error);
    if (apiError.statusCode >= 500 && !ROUTINE_5XX.has(apiError.code))
      req.log.error({ err: error }, 'request failed');
    return sendError(apiError, req, reply);
  });
}
