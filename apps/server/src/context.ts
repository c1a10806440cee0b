import type { FastifyReply, FastifyRequest } from 'fastify';
import type { JWTPayload } from 'jose';
import type { Config } from './config.js';
import type { Faces } from './faces.js';
import type { MailDispatcher } from './mail/dispatcher.js';
import type { Store } from './store/types.js';
import type { KeyRing } from './tokens.js';
import type { WebhookDispatcher } from './webhooks.js';

export interface AppContext {
  config: Config;
  store: Store;
  keys: KeyRing;
  faces: Faces;
  webhooks?: WebhookDispatcher;
  mail?: MailDispatcher;
  /** Set when the server starts shutting down: /readyz answers 503. */
  closing: boolean;
}

export interface Auth {
  /** The `sub` claim: the client id, the validation id or the app registration id. */
  subject: string;
  payload: JWTPayload;
  /** Only for liveness-session tokens whose signature is valid but that have expired. */
  expired?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth?: Auth;
  }
  interface FastifyContextConfig {
    operationId?: string;
  }
}

export type Handler = (ctx: AppContext, req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** The request's token, or undefined on an operation that also takes none (a public start). */
export const optionalAuth = (req: FastifyRequest): Auth | undefined => req.auth;

export const auth = (req: FastifyRequest): Auth => {
  if (!req.auth) throw new Error('Route has no authentication');
  return req.auth;
};
