import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { genReqId } from '../../app.js';
import { ApiError, formatError, invalidRequest } from '../../errors.js';

/**
 * Errors Fastify and Node raise before any route is chosen (a path that does not decode, a request
 * whose head is too large or malformed), answered in the spec's error shape with a request id. The
 * URL is never echoed: it is the caller's own input, and may be large.
 */
function frameworkError(error: FastifyError): ApiError {
  if (error.code === 'FST_ERR_BAD_URL')
    return invalidRequest([{ path: '/path', message: 'is not valid percent-encoding' }]);
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH')
    return invalidRequest([{ path: '/path', message: 'has a parameter that is too long' }]);
  return new ApiError(500, 'INTERNAL_ERROR', 'Internal error', 'The server failed to process the request.');
}

function frameworkErrors(error: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  const apiError = frameworkError(error);
  if (apiError.statusCode >= 500) req.log.error({ err: error }, 'request failed');
  reply
    .code(apiError.statusCode)
    .header('x-request-id', req.id)
    .send(formatError(apiError, 'create', req.id));
}

/** What the socket gets when Node's HTTP parser refuses the request, before Fastify sees it. */
export function clientErrorResponse(code: string | undefined) {
  const requestId = genReqId({ headers: {} });
  const apiError =
    code === 'HPE_HEADER_OVERFLOW'
      ? new ApiError(
          431,
          'REQUEST_HEADER_FIELDS_TOO_LARGE',
          'Request header fields too large',
          `The request line and headers are larger than ${maxHeaderSize} bytes.`,
        )
      : code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new ApiError(408, 'REQUEST_TIMEOUT', 'Request timeout', 'The request was not received in time.')
        : new ApiError(400, 'INVALID_REQUEST', 'Invalid request', 'The request is not valid HTTP/1.1.');
  const body = JSON.stringify(formatError(apiError, 'create', requestId));
  return (
    `HTTP/1.1 ${apiError.statusCode} ${STATUS_CODES[apiError.statusCode]}\r\n` +
    `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `X-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`
  );
}

function clientErrorHandler(err: Error & { code?: string }, socket: Socket) {
  // A reset connection has no one left to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) socket.write(clientErrorResponse(err.code));
  socket.destroy(err);
}

/**
 * The Fastify options that put framework errors in the envelope. The router never cuts a path
 * parameter: the request line is already bounded by Node's `maxHeaderSize`, so every parameter
 * reaches the spec's schema and is judged there (a long id is the documented 400 `INVALID_REQUEST`).
 */
export const frameworkErrorOptions = {
  frameworkErrors,
  clientErrorHandler,
  routerOptions: { maxParamLength: maxHeaderSize },
} satisfies FastifyServerOptions;
