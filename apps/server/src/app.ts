import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { AppContext } from './context.js';
import { SPEC_ID, spec } from './contract/bundle.js';
import { registerOperations } from './contract/routes.js';
import { handlers } from './http/index.js';
import { registerErrorHandling } from './plugins/app/error-handler.js';
import { acceptJsonOnly, BODY_LIMIT, registerCors, registerRateLimit } from './plugins/external/http.js';
import { PgStore } from './store/postgres.js';
import { pgRateLimitStore } from './store/rate-limits.js';

export { BODY_LIMIT };

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
    app.addSchema({ $id: SPEC_ID, components: spec.components });
    app.addHook('onRequest', async (req, reply) => {
      reply.header('x-request-id', req.id);
    });
    await registerCors(app, ctx.config, (origin) => ctx.store.isAllowedOrigin(origin));
    // Instances sharing a PostgreSQL share their rate-limit counters; a SQLite server is alone.
    const rateLimitStore = ctx.store instanceof PgStore ? pgRateLimitStore(ctx.store.pool) : undefined;
    await registerRateLimit(app, ctx.config, rateLimitStore);
    acceptJsonOnly(app);
    registerErrorHandling(app);
    registerOperations(app, ctx, handlers);
  },
  { name: 'faceproof', fastify: '5.x' },
);
