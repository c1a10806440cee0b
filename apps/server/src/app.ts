import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { AppContext, Handler } from './context.js';
import { invalidRequest } from './errors.js';
import { authenticate, SCHEME_KIND } from './plugins/app/auth.js';
import { registerErrorHandling } from './plugins/app/error-handler.js';
import { acceptJsonOnly, BODY_LIMIT, registerCors, registerRateLimit } from './plugins/external/http.js';
import { appRegistrationHandlers } from './routes/app-registration.js';
import { resourceHandlers } from './routes/resources.js';
import { validationHandlers } from './routes/validations.js';
import {
  createAjv,
  type Issue,
  operations,
  requestValidators,
  responseSchemas,
  SPEC_ID,
  spec,
  toIssues,
} from './spec.js';

export { BODY_LIMIT };

const handlers: Record<string, Handler> = {
  ...resourceHandlers,
  ...validationHandlers,
  ...appRegistrationHandlers,
};

/** Request ids: the caller's own `X-Request-Id` when it is sane, else a fresh one. */
export function genReqId(req: { headers: Record<string, string | string[] | undefined> }) {
  const h = req.headers['x-request-id'];
  if (typeof h === 'string' && /^[\w.:-]{1,128}$/.test(h)) return h;
  return `req-${randomBytes(8).toString('hex')}`;
}

/** One route per operation of the bundle: its validators, response schemas, auth and handler. */
function registerOperations(app: FastifyInstance, ctx: AppContext) {
  const ajv = createAjv();
  const coercing = createAjv({ coerceTypes: true });
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
        const issues: Issue[] = [];
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
}

/**
 * The Faceproof API as a Fastify plugin: every route, its request validation and its response
 * serialization come from the bundled OpenAPI document; the handlers are looked up by operationId.
 */
export default fp(
  async function faceproof(app: FastifyInstance, opts: { ctx: AppContext }) {
    const { ctx } = opts;
    app.addSchema({ $id: SPEC_ID, components: spec.components });
    app.addHook('onRequest', async (req, reply) => {
      reply.header('x-request-id', req.id);
    });
    await registerCors(app, ctx.config);
    await registerRateLimit(app, ctx.config);
    acceptJsonOnly(app);
    registerErrorHandling(app);
    registerOperations(app, ctx);
  },
  { name: 'faceproof', fastify: '5.x' },
);
