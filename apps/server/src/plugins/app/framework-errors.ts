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

/**
 * The CORS headers of an answer that no route made, so that `@fastify/cors` never saw: what it
 * sends an allowed origin (`CORS_ORIGINS`), so that a browser there can read the error too.
 */
export function corsHeaders(origin: unknown, allowedOrigins: readonly string[]): Record<string, string> {
  return typeof origin === 'string' && allowedOrigins.includes(origin)
    ? { 'access-control-allow-origin': origin, vary: 'Origin' }
    : {};
}

/**
 * The `Origin` header of a request Node's parser refused, read from the bytes it received (its
 * `rawPacket`); undefined when Node kept none (a timeout) or the header was not among them.
 */
export function rawOrigin(rawPacket: unknown): string | undefined {
  if (!Buffer.isBuffer(rawPacket)) return undefined;
  const head = rawPacket.subarray(0, maxHeaderSize).toString('latin1').split('\r\n\r\n')[0] ?? '';
  for (const line of head.split('\r\n').slice(1)) {
    const m = /^origin:[ \t]*(.*?)[ \t]*$/i.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

const frameworkErrors =
  (allowedOrigins: readonly string[]) => (error: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const apiError = frameworkError(error);
    if (apiError.statusCode >= 500) req.log.error({ err: error }, 'request failed');
    reply
      .code(apiError.statusCode)
      .headers(corsHeaders(req.headers.origin, allowedOrigins))
      .header('x-request-id', req.id)
      .send(formatError(apiError, 'create', req.id));
  };

/** What the socket gets when Node's HTTP parser refuses the request, before Fastify sees it. */
export function clientErrorResponse(code: string | undefined, cors: Record<string, string> = {}) {
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
    Object.entries(cors)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('') +
    `X-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`
  );
}

const clientErrorHandler =
  (allowedOrigins: readonly string[]) =>
  (err: Error & { code?: string; rawPacket?: unknown }, socket: Socket) => {
    // A reset connection has no one left to answer.
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const cors = corsHeaders(rawOrigin(err.rawPacket), allowedOrigins);
    if (socket.writable) socket.write(clientErrorResponse(err.code, cors));
    socket.destroy(err);
  };

/**
 * The Fastify options that put framework errors in the envelope, readable from the allowed CORS
 * origins. The router never cuts a path parameter: the request line is already bounded by Node's
 * `maxHeaderSize`, so every parameter reaches the spec's schema and is judged there (a long id is
 * the documented 400 `INVALID_REQUEST`).
 */
export const frameworkErrorOptions = (allowedOrigins: readonly string[]) =>
  ({
    frameworkErrors: frameworkErrors(allowedOrigins),
    clientErrorHandler: clientErrorHandler(allowedOrigins),
    routerOptions: { maxParamLength: maxHeaderSize },
  }) satisfies FastifyServerOptions;
