import cors from '@fastify/cors';
import rateLimit, { type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.js';
import { ApiError, invalidRequest } from '../../errors.js';

export const BODY_LIMIT = 8 * 1024 * 1024;

/**
 * CORS for the configured origins (`CORS_ORIGINS`) and for the browser origins a project allows
 * for its public flows (`allowedOrigins`; a preflight names no project, so any project's list
 * lets it through, and the public start itself then checks its own project's list).
 */
export function registerCors(
  app: FastifyInstance,
  config: Config,
  projectAllows: (origin: string) => Promise<boolean>,
) {
  return app.register(cors, {
    origin: (origin, cb) => {
      if (!origin) return cb(null, false);
      if (config.CORS_ORIGINS.includes(origin)) return cb(null, true);
      projectAllows(origin).then(
        (allowed) => cb(null, allowed),
        () => cb(null, false),
      );
    },
  });
}

/**
 * Per token (by its signature) or, without one, per IP; answered as the spec's 429. Counted in
 * `store` when given (shared by the instances of one PostgreSQL), else in this process's memory.
 */
export function registerRateLimit(app: FastifyInstance, config: Config, store?: FastifyRateLimitStoreCtor) {
  return app.register(rateLimit, {
    global: true,
    ...(store ? { store } : {}),
    // A shared store that cannot be reached lets the request through: the request then meets the
    // outage where it is documented (readiness 503, the operation's own errors), never a 500 here.
    skipOnError: true,
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
}

/** JSON only: every other media type is a 415 in the operation's error convention. */
export function acceptJsonOnly(app: FastifyInstance) {
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
}
