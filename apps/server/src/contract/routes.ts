import type { FastifyInstance } from 'fastify';
import type { AppContext, Handler } from '../context.js';
import { ApiError, conventionOf, formatError, invalidRequest } from '../errors.js';
import { authenticate, SCHEME_KIND } from '../plugins/app/auth.js';
import { BODY_LIMIT } from '../plugins/external/http.js';
import { operations } from './bundle.js';
import { type RouteShape, routeErrorGaps } from './error-codes.js';
import { requestAjvs, requestIssues, requestValidators, responseSchemas } from './validators.js';

/** Logs, at start, each error a route can answer by itself that the spec does not document. */
function reportRouteErrorGaps(app: FastifyInstance, route: RouteShape) {
  const convention = conventionOf(route.operationId);
  const sentCode = (status: number, code: string) =>
    String(formatError(new ApiError(status, code, '', ''), convention, '').code);
  for (const problem of routeErrorGaps(route, sentCode))
    app.log.error(
      { operationId: route.operationId, problem },
      'the spec does not document an error this route answers',
    );
}

/**
 * One route per operation of the bundle: its path, its request validators (path, query, header,
 * body), its response schemas and its authentication come from the spec; its handler is looked
 * up by operationId, and an operation without one stops the start.
 */
export function registerOperations(app: FastifyInstance, ctx: AppContext, handlers: Record<string, Handler>) {
  const ajvs = requestAjvs();
  for (const op of operations()) {
    const handler = handlers[op.operationId];
    if (!handler) throw new Error(`No handler for operation ${op.operationId}`);
    const validators = requestValidators(ajvs, op);
    const expected = op.scheme ? SCHEME_KIND[op.scheme] : undefined;
    reportRouteErrorGaps(app, {
      operationId: op.operationId,
      authenticated: expected !== undefined,
      validated: Object.keys(validators).length > 0,
      hasBody: validators.body !== undefined,
    });
    app.route({
      method: op.method as 'GET',
      url: op.url,
      config: { operationId: op.operationId },
      schema: { response: responseSchemas(op) },
      bodyLimit: BODY_LIMIT,
      // After the rate limit (onRequest), before the body is read: a 401 wins over a 413 or 415.
      // An operation that also takes no token (a public start) authenticates only a token sent.
      preParsing: expected
        ? async (req, _reply, payload) => {
            if (!(op.anonymous && req.headers.authorization === undefined))
              await authenticate(ctx, req, expected);
            return payload;
          }
        : undefined,
      preValidation: async (req) => {
        const issues = requestIssues(validators, req);
        if (issues.length) throw invalidRequest(issues);
      },
      handler: async (req, reply) => handler(ctx, req, reply),
    });
  }
}
