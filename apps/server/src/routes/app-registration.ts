import type { FastifyRequest } from 'fastify';
import { type AppContext, auth, type Handler } from '../context.js';
import { ApiError } from '../errors.js';
import {
  admitEnrolment,
  decideEnrolment,
  type EnrolRequest,
  registrationIdentifier,
} from '../flows/app-registration/enrol.js';
import { objectId } from '../ids.js';
import { presentAppRegistration } from '../present.js';
import { apiError } from './flow-error.js';

/** Enrols the face of an app registration: load, ask the flow (src/flows/app-registration), save. */
async function createAppRegistrationBiometricValidation(ctx: AppContext, req: FastifyRequest) {
  const body = req.body as EnrolRequest;
  const registration = await ctx.store.getAppRegistration(auth(req).subject);
  if (!registration)
    throw new ApiError(404, 'APP_REGISTRATION_NOT_FOUND', 'App registration not found', 'Not found');
  const flow = await ctx.store.getFlow(registration.clientId, registration.flowId);
  const state = { registration, flow, now: Date.now() };
  const admission = admitEnrolment(state, body.force === true);
  if ('error' in admission) throw apiError(admission.error);
  const { flow: admittedFlow, collectionId } = admission;

  const analysis = await ctx.faces.analyze(body.image);
  const evidence = {
    analysis,
    candidates: analysis.ok ? ctx.faces.search(collectionId, analysis.template, 1) : [],
    sameIdentifier: analysis.ok
      ? await ctx.store.findPersonByIdentifier(collectionId, registrationIdentifier(registration))
      : undefined,
  };
  const d = decideEnrolment({ registration, flow: admittedFlow, now: Date.now() }, body, evidence, {
    collectionId,
    templateModel: ctx.faces.templateModel,
    newId: () => objectId(),
  });
  if (d.error) throw apiError(d.error);
  await ctx.store.saveAppRegistration(d.next, { enrolment: d.enrolment, events: d.events });
  ctx.faces.add(d.indexed.collectionId, d.indexed.personId, d.indexed.template);
  if (d.events.length) ctx.webhooks?.kick();
  return { success: true, data: presentAppRegistration(d.next) };
}

export const appRegistrationHandlers: Record<string, Handler> = { createAppRegistrationBiometricValidation };
