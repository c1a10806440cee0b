import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors.js';
import type { TokenKind } from '../../tokens.js';

/** The token kind each security scheme of the spec stands for. */
export const SCHEME_KIND: Record<string, TokenKind> = {
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

const invalidToken = () =>
  new ApiError(
    401,
    'INVALID_TOKEN',
    'Invalid token',
    'The bearer token is malformed, expired, or not signed by this server.',
  );

function bearerOf(req: FastifyRequest, expected: TokenKind) {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer[ ]+(\S+)$/i.exec(h) : null;
  if (!m?.[1])
    throw new ApiError(
      401,
      'UNAUTHORIZED',
      'Unauthorized',
      `Send ${KIND_NAME[expected]} as Authorization: Bearer <token>.`,
    );
  return m[1];
}

/**
 * Sets `req.auth` from a bearer token of the `expected` kind, or throws the 401/403 the spec
 * documents. An expired liveness-session token is let through marked `expired`: the validate
 * operation answers it with the validation's own expiry.
 */
export async function authenticate(ctx: AppContext, req: FastifyRequest, expected: TokenKind) {
  const outcome = await ctx.keys.verify(bearerOf(req, expected));
  if (!outcome.ok) {
    const lateSession =
      outcome.reason === 'expired' && outcome.kind === expected && expected === 'liveness-session';
    if (lateSession && outcome.payload.sub) {
      req.auth = { subject: outcome.payload.sub, payload: outcome.payload, expired: true };
      return;
    }
    throw invalidToken();
  }
  if (outcome.kind !== expected)
    throw new ApiError(
      403,
      'TOKEN_KIND_NOT_ACCEPTED',
      'Token kind not accepted',
      `This operation accepts ${KIND_NAME[expected]}; ${KIND_NAME[outcome.kind]} was sent.`,
    );
  const sub = outcome.payload.sub;
  if (!sub) throw invalidToken();
  if (expected === 'client') {
    const jti = outcome.payload.jti;
    const row = jti ? await ctx.store.getClientToken(jti) : undefined;
    if (!row || row.revokedAt || row.clientId !== sub) throw invalidToken();
  }
  req.auth = { subject: sub, payload: outcome.payload };
}
