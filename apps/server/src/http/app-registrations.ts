import { type AppContext, auth, optionalAuth } from '../context.js';
import { operation } from '../contract/operation.js';
import { apiError } from '../errors.js';
import {
  decideSync,
  decideUnlink,
  decideUpdate,
  ownRegistration,
  profileOf,
} from '../flows/app-registration/steps.js';
import type { FlowError } from '../flows/errors.js';
import { nowIso, objectId } from '../ids.js';
import { onboardingSteps, presentAppRegistration } from '../present.js';
import { registrationFlowRefusal, withExpiry } from '../resources/app-registrations.js';
import type { AppRegistration } from '../store/types.js';
import { flowNotFound, projectNotFound } from './common.js';
import { asApiError } from './flow-error.js';
import { publicStart } from './public-start.js';

export function appRegistrationToken(ctx: AppContext, r: AppRegistration) {
  return ctx.keys.sign('app-registration', { sub: r.id, project: r.projectId }, new Date(r.expiresAt));
}

export const appRegistrationResourceHandlers = {
  ...operation('createAppRegistration')(async (ctx, req, { op }) => {
    const b = req.body;
    const caller = optionalAuth(req);
    // A browser's start of a public onboarding flow: the flow's owner is the client.
    const clientId = caller ? caller.subject : (await publicStart(ctx, req, op, b)).flow.clientId;
    const lifetimeS = caller ? ctx.config.APP_REGISTRATION_TTL_S : ctx.config.PUBLIC_REGISTRATION_TTL_S;
    if (caller && b.email === undefined && b.phone === undefined)
      throw apiError(op, 400, 'INVALID_REQUEST', 'Invalid request', 'body/email or body/phone is required', {
        details: [{ path: '/body/email', message: 'is required unless phone is given' }],
      });
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
      os: b.os,
      ...profileOf(b),
      collectionId: flow.collectionId,
      expiresAt: nowIso(now + lifetimeS * 1000),
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

  ...operation('getOwnAppRegistration')(async (ctx, req) => {
    const asked = [...(req.query.populates ?? []), ...(req.query['populates[]'] ?? [])];
    return { success: true, data: await presentOwn(ctx, auth(req).subject, asked) };
  }),

  ...operation('readOwnAppRegistration')(async (ctx, req) => ({
    success: true,
    data: await presentOwn(ctx, auth(req).subject, req.body.populates ?? []),
  })),

  ...operation('updateAppRegistration')(async (ctx, req) => {
    const own = ownRegistration<'updateAppRegistration'>(
      await ctx.store.getAppRegistration(auth(req).subject),
      req.params.id,
    );
    if ('error' in own) throw asApiError(own.error);
    const d = decideUpdate(own.registration, req.body, Date.now());
    if ('error' in d) throw asApiError(d.error);
    await ctx.store.saveAppRegistration(d.next, {});
    return { success: true, data: presentAppRegistration(d.next) };
  }),

  ...operation('syncAppRegistration')(async (ctx, req) => {
    const own = ownRegistration<'syncAppRegistration'>(
      await ctx.store.getAppRegistration(auth(req).subject),
      req.params.id,
    );
    if ('error' in own) throw asApiError(own.error);
    const d = decideSync(own.registration, req.body, Date.now());
    if ('error' in d) throw asApiError(d.error);
    await ctx.store.saveAppRegistration(d.next, {});
    const r = d.next;
    return {
      success: true,
      data: {
        token: await appRegistrationToken(ctx, r),
        ...(r.fullName ? { fullName: r.fullName } : {}),
        ...(r.firstName ? { firstName: r.firstName } : {}),
        ...(r.lastName ? { lastName: r.lastName } : {}),
        step: req.body.step,
        steps: onboardingSteps(),
        appRegistrationId: r.id,
        status: r.status,
      },
    };
  }),

  ...operation('deleteBiometricValidation')(async (ctx, req) => {
    const registration = await ctx.store.getAppRegistration(auth(req).subject);
    const d = decideUnlink(registration, req.params.id, Date.now());
    if ('error' in d) throw asApiError(d.error);
    await ctx.store.saveAppRegistration(d.next, {});
    return { success: true, data: { _id: req.params.id, deleted: true } };
  }),
};

const ownGone: FlowError<'getOwnAppRegistration'> = {
  status: 404,
  code: 'APP_REGISTRATION_NOT_FOUND',
  title: 'App registration not found',
  message: 'App registration not found',
};

/** The token's own registration, its references populated as `asked` names them. */
async function presentOwn(ctx: AppContext, registrationId: string, asked: readonly string[]) {
  const found = await ctx.store.getAppRegistration(registrationId);
  if (!found) throw asApiError(ownGone);
  const r = withExpiry(found);
  const populates = new Set(asked);
  const project = populates.has('project') ? await ctx.store.getProjectById(r.projectId) : undefined;
  const flow = populates.has('projectFlow') ? await ctx.store.getFlow(r.clientId, r.flowId) : undefined;
  return presentAppRegistration(r, { populates, project, flow });
}
