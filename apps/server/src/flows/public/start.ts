import type { FlowError } from '../errors.js';
import type { Project, ProjectFlow } from '../types.js';

/**
 * Whether a browser may start a project flow without a client token (Verifik's hosted pages and
 * web SDK start this way): the flow must be public, the browser's origin one the project allows,
 * and the body free of what only the operator decides. A flow that is private, of another project
 * or missing gets the same 401 a missing token gets, so nothing is learnt about private flows.
 */

export type PublicStartOperation = 'createBiometricValidation' | 'createAppRegistration';

/** Body fields a public start may not set: they would let anyone aim mail or webhooks, or outlive the session. */
const OPERATOR_ONLY = [
  'redirectUrl',
  'webhookUrl',
  'expiresAt',
  'sendViaEmail',
  'requires2FA',
  'email',
] as const;

export interface PublicStartState {
  project?: Project;
  /** The project's public flow of that id, if any. */
  flow?: ProjectFlow;
  /** The request's `Origin` header: absent for calls that are not from a browser. */
  origin?: string;
}

export function admitPublicStart<O extends PublicStartOperation>(
  operation: O,
  s: PublicStartState,
  body: Record<string, unknown>,
): { project: Project; flow: ProjectFlow } | { error: FlowError<O> } {
  const { project, flow } = s;
  if (!project || !flow)
    return {
      error: {
        status: 401,
        code: 'UNAUTHORIZED',
        title: 'Unauthorized',
        message: 'Send a client access token as Authorization: Bearer <token>, or start a public flow.',
      } as FlowError<O>,
    };
  if (s.origin !== undefined && !(project.allowedOrigins ?? []).includes(s.origin))
    return {
      error: {
        status: 403,
        code: 'ORIGIN_NOT_ALLOWED',
        title: 'Origin not allowed',
        message: `Origin ${s.origin} is not one of the project's allowedOrigins.`,
      } as FlowError<O>,
    };
  if (operation === 'createBiometricValidation') {
    const set = OPERATOR_ONLY.filter((k) => body[k] !== undefined && body[k] !== false);
    if (set.length)
      return {
        error: {
          status: 400,
          code: 'INVALID_REQUEST',
          title: 'Invalid request',
          message: set.map((k) => `body/${k} is not accepted without a client token`).join('; '),
          details: set.map((k) => ({
            path: `/body/${k}`,
            message: 'is not accepted without a client token',
          })),
        } as FlowError<O>,
      };
    if (body.type !== 'login')
      return {
        error: {
          status: 400,
          code: 'INVALID_PROJECT_FLOW',
          title: 'Invalid project flow',
          message: 'A public start opens login validations only.',
        } as FlowError<O>,
      };
  }
  return { project, flow };
}
