import { randomBytes } from 'node:crypto';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AppContext, Handler } from './context.js';
import { ApiError, conventionOf, formatError, invalidRequest } from './errors.js';
import { appRegistrationHandlers } from './routes/app-registration.js';
import { resourceHandlers } from './routes/resources.js';
import { validationHandlers } from './routes/validations.js';
import {
  createAjv,
  operations,
  requestValidators,
  responseSchemas,
  SPEC_ID,
  spec,
  toIssues,
} from './spec.js';
import type { TokenKind } from './tokens.js';

export const BODY_LIMIT = 8 * 1024 * 1024;

const handlers: Record<string, Handler> = {
  ...resourceHandlers,
  ...validationHandlers,
  ...appRegistrationHandlers,
};

const SCHEME_KIND: Record<string, TokenKind> = {
  clientAccessToken: 'client',
  livenessSessionToken: 'liveness-session',
  appRegistrationToken: 'app-registration',
};
const KIND_NAME: Record<TokenKind, string> = {
  client: 'a client access token',
  'liveness-session': 'a liveness-session token',
  'app-registration': 'an app-registration token',
  result: 'a result token',
};

/** Request ids: the caller's own `X-Request-Id` when it is sane, else a fresh one. */
export function genReqId(req: { headers: Record<string, string | string[] | undefined> }) {
  const h = req.headers['x-request-id'];
  if (typeof h === 'string' && /^[\w.:-]{1,128}$/.test(h)) return h;
  return `req-${randomBytes(8).toString('hex')}`;
}

/**
 * The Faceproof API as a Fastify plugin: every route, its request validation and its response
 * serialization come from the bundled OpenAPI document; the handlers are looked up by operationId.
 */
export default fp(
  async function faceproof(app: FastifyInstance, opts: { ctx: AppContext }) {
    const { ctx } = opts;
    const { config } = ctx;
    const ajv = createAjv();
    const coercing = createAjv({ coerceTypes: true });
    app.addSchema({ $id: SPEC_ID, components: spec.components });

    app.addHook('onRequest', async (req, reply) => {
      reply.header('x-request-id', req.id);
    });

    await app.register(cors, { origin: config.CORS_ORIGINS.length ? config.CORS_ORIGINS : false });

    await app.register(rateLimit, {
      global: true,
      timeWindow: config.RATE_LIMIT_WINDOW_MS,
      enableDraftSpec: true,
      keyGenerator: (req) => {
        const h = req.headers.authorization;
        // The signature part identifies the token without keeping the token itself in memory twice.
        if (typeof h === 'string' && h.startsWith('Bearer ')) return `t:${h.slice(-43)}`;
        return `ip:${req.ip}`;
      },
      max: (_req, key) => (key.startsWith('t:') ? config.RATE_LIMIT_MAX : config.RATE_LIMIT_IP_MAX),
      errorResponseBuilder: (_req, context) =>
        new ApiError(
          429,
          'RATE_LIMITED',
          'Too many requests',
          `Rate limit of ${context.max} requests per ${Math.round(config.RATE_LIMIT_WINDOW_MS / 1000)} seconds reached; retry after ${Math.ceil(context.ttl / 1000)} seconds.`,
        ),
    });

    // JSON only: every other media type is a 415 in the operation's error convention.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(
      'application/json',
      { parseAs: 'string', bodyLimit: BODY_LIMIT },
      (_req, body, done) => {
        try {
          done(null, body === '' ? undefined : JSON.parse(body as string));
        } catch {
          done(invalidRequest([{ path: '/body', message: 'is not valid JSON' }]), undefined);
        }
      },
    );

    app.setNotFoundHandler((req, reply) => {
      const err = new ApiError(
        404,
        'NOT_FOUND',
        'Not found',
        `No operation ${req.method} ${req.url.split('?')[0]}.`,
      );
      reply.code(404).send(formatError(err, 'create', req.id));
    });

    app.setErrorHandler((error: FastifyError | ApiError, req: FastifyRequest, reply: FastifyReply) => {
      const apiError = toApiError(error);
      if (apiError.statusCode >= 500 && apiError.code !== 'ENGINE_BUSY' && apiError.code !== 'NOT_READY')
        req.log.error({ err: error }, 'request failed');
      for (const [k, v] of Object.entries(apiError.headers)) reply.header(k, v);
      if (apiError.statusCode === 401) {
        reply.header(
          'www-authenticate',
          apiError.code === 'UNAUTHORIZED'
            ? 'Bearer realm="faceproof"'
            : 'Bearer realm="faceproof", error="invalid_token"',
        );
      }
      reply
        .code(apiError.statusCode)
        .send(formatError(apiError, conventionOf(req.routeOptions.config.operationId), req.id));
    });

    for (const op of operations()) {
      const handler = handlers[op.operationId];
      if (!handler) throw new Error(`No handler for operation ${op.operationId}`);
      const validators = requestValidators(ajv, op, coercing);
      const expected = op.scheme ? SCHEME_KIND[op.scheme] : undefined;
      app.route({
        method: op.method as 'GET',
        url: op.url,
        config: { operationId: op.operationId },
        schema: { response: responseSchemas(op) },
        bodyLimit: BODY_LIMIT,
        // After the rate limit (onRequest), before the body is read: a 401 wins over a 413 or 415.
        preParsing: expected
          ? async (req, _reply, payload) => {
              await authenticate(ctx, req, expected);
              return payload;
            }
          : undefined,
        preValidation: async (req) => {
          const issues = [];
          if (validators.params && !validators.params(req.params))
            issues.push(...toIssues('params', validators.params.errors));
          if (validators.query && !validators.query(req.query))
            issues.push(...toIssues('query', validators.query.errors));
          if (validators.body && !validators.body(req.body))
            issues.push(...toIssues('body', validators.body.errors));
          if (issues.length) throw invalidRequest(issues);
        },
        handler: async (req, reply) => handler(ctx, req, reply),
      });
    }
  },
  { name: 'faceproof', fastify: '5.x' },
);

async function authenticate(ctx: AppContext, req: FastifyRequest, expected: TokenKind) {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer[ ]+(\S+)$/i.exec(h) : null;
  if (!m?.[1])
    throw new ApiError(
      401,
      'UNAUTHORIZED',
      'Unauthorized',
      `Send ${KIND_NAME[expected]} as Authorization: Bearer <token>.`,
    );
  const invalid = new ApiError(
    401,
    'INVALID_TOKEN',
    'Invalid token',
    'The bearer token is malformed, expired, or not signed by this server.',
  );
  const outcome = await ctx.keys.verify(m[1]);
  if (!outcome.ok) {
    if (
      outcome.reason === 'expired' &&
      outcome.kind === expected &&
      expected === 'liveness-session' &&
      outcome.payload.sub
    ) {
      req.auth = { subject: outcome.payload.sub, payload: outcome.payload, expired: true };
      return;
    }
    throw invalid;
  }
  if (outcome.kind !== expected)
    throw new ApiError(
      403,
      'TOKEN_KIND_NOT_ACCEPTED',
      'Token kind not accepted',
      `This operation accepts ${KIND_NAME[expected]}; ${KIND_NAME[outcome.kind]} was sent.`,
    );
  const sub = outcome.payload.sub;
  if (!sub) throw invalid;
  if (expected === 'client') {
    const jti = outcome.payload.jti;
    const row = jti ? await ctx.store.getClientToken(jti) : undefined;
    if (!row || row.revokedAt || row.clientId !== sub) throw invalid;
  }
  req.auth = { subject: sub, payload: outcome.payload };
}

function toApiError(error: FastifyError | ApiError): ApiError {
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
