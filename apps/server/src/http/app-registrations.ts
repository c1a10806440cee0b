import { type AppContext, auth } from '../context.js';
import { operation } from '../contract/operation.js';
import { apiError } from '../errors.js';
import { nowIso, objectId } from '../ids.js';
import { presentAppRegistration } from '../present.js';
import { registrationFlowRefusal, withExpiry } from '../resources/app-registrations.js';
import type { AppRegistration } from '../store/types.js';
import { flowNotFound, projectNotFound } from './common.js';

export function appRegistrationToken(ctx: AppContext, r: AppRegistration) {
  return ctx.keys.sign('app-registration', { sub: r.id, project: r.projectId }, new Date(r.expiresAt));
}

export const appRegistrationResourceHandlers = {
  ...operation('createAppRegistration')(async (ctx, req, { op }) => {
    const clientId = auth(req).subject;
    const b = req.body;
    const project = await ctx.store.getProject(clientId, b.project);
    if (!project) throw projectNotFound(op, b.project);
    const flow = await ctx.store.getFlow(clientId, b.projectFlow);
    if (!flow) throw flowNotFound(op, b.projectFlow);
    const refusal = registrationFlowRefusal(flow, project.id);
    if (refusal) throw apiError(op, 400, 'INVALID_PROJECT_FLOW', 'Invalid project flow', refusal);
    const now = Date.now();
    const r: AppRegistration = {
      id: objectId(now),
      clientId,
      projectId: project.id,
      flowId: flow.id,
      status: 'STARTED',
      email: b.email,
      countryCode: b.countryCode,
      phone: b.phone,
      os: b.os,
      collectionId: flow.collectionId,
      expiresAt: nowIso(now + ctx.config.APP_REGISTRATION_TTL_S * 1000),
      createdAt: nowIso(now),
      updatedAt: nowIso(now),
    };
    await ctx.store.createAppRegistration(r);
    const token = await appRegistrationToken(ctx, r);
    return { success: true, data: { appRegistration: presentAppRegistration(r), token } };
  }),

  ...operation('getAppRegistration')(async (ctx, req, { op }) => {
    const r = await ctx.store.getAppRegistration(req.params.id);
    if (!r || r.clientId !== auth(req).subject)
      throw apiError(
        op,
        404,
        'APP_REGISTRATION_NOT_FOUND',
        'App registration not found',
        `No app registration ${req.params.id} belongs to this client.`,
      );
    return { success: true, data: presentAppRegistration(withExpiry(r)) };
  }),
};
