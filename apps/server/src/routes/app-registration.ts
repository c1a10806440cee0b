import type { FastifyRequest } from 'fastify';
import { type AppContext, auth, type Handler } from '../context.js';
import { ApiError } from '../errors.js';
import { templateBytes } from '../faces.js';
import { nowIso, objectId } from '../ids.js';
import { presentAppRegistration } from '../present.js';
import type { AppRegistration, Enrolment, NewOutboxEvent } from '../store/types.js';
import { withExpiry } from './resources.js';
import { imageBytes, imageMime } from './validations.js';

const conflict = (code: string, title: string, extra: { scoreSuffix?: string } = {}) =>
  new ApiError(409, code, title, title, extra);

async function createAppRegistrationBiometricValidation(ctx: AppContext, req: FastifyRequest) {
  const body = req.body as { image: string; os: AppRegistration['os']; force?: boolean };
  const force = body.force === true;
  const stored = await ctx.store.getAppRegistration(auth(req).subject);
  if (!stored)
    throw new ApiError(404, 'APP_REGISTRATION_NOT_FOUND', 'App registration not found', 'Not found');
  const r = withExpiry(stored);
  if (r.status !== 'STARTED' && r.status !== 'ONGOING')
    throw conflict('APP_REGISTRATION_NOT_ACTIVE', 'App registration not active');
  const flow = await ctx.store.getFlow(r.clientId, r.flowId);
  const collectionId = flow?.collectionId;
  if (!flow || !collectionId) throw conflict('COLLECTION_NOT_SET', 'Collection not set');
  if (r.personId && !force) throw conflict('PERSON_ALREADY_SET', 'Person already set');

  const analysis = await ctx.faces.analyze(body.image);
  if (!analysis.ok)
    throw new ApiError(400, 'INVALID_IMAGE', 'Invalid image', 'Invalid image', {
      details: [{ path: '/body/image', message: analysis.message, reason: analysis.reason }],
    });
  const liveness = Math.round(Math.min(1, Math.max(0, analysis.liveness.score)) * 100) / 100;
  if (analysis.liveness.score < flow.livenessMinScore)
    throw conflict('LIVENESS_FAILED', 'Liveness failed', { scoreSuffix: `@${liveness}` });

  const best = ctx.faces.search(collectionId, analysis.template, 1)[0];
  const duplicate = best !== undefined && best.score >= flow.searchMinScore;
  const identifier = r.email ?? `${r.countryCode ?? ''}${r.phone ?? ''}`;
  const sameIdentifier = await ctx.store.findPersonByIdentifier(collectionId, identifier);
  if ((duplicate || sameIdentifier) && !force) throw conflict('PERSON_ALREADY_SET', 'Person already set');

  const at = nowIso();
  // With force, the registration's own person (or the person already enrolled under its identifier)
  // keeps its id and gets the new face; otherwise a new person is created.
  const replaceId = r.personId ?? sameIdentifier?.id;
  const personId = replaceId ?? objectId();
  const enrolment: Enrolment = {
    person: {
      id: personId,
      clientId: r.clientId,
      projectId: r.projectId,
      collectionId,
      identifier,
      createdAt: at,
      updatedAt: at,
    },
    template: {
      id: objectId(),
      personId,
      collectionId,
      model: ctx.faces.engine?.info.templateModel ?? 'unknown',
      template: templateBytes(analysis.template),
      createdAt: at,
    },
    image: flow.retainFaceImages
      ? {
          id: objectId(),
          personId,
          mime: imageMime(body.image, analysis.image.format),
          image: imageBytes(body.image),
          createdAt: at,
        }
      : undefined,
    replacePersonId: replaceId,
  };
  const next: AppRegistration = {
    ...r,
    status: 'ONGOING',
    os: body.os,
    personId,
    collectionId,
    updatedAt: at,
  };
  const eventType = replaceId ? 'app_registration_person_replaced' : 'app_registration_person_created';
  const events: NewOutboxEvent[] = flow.webhookUrl
    ? [
        {
          projectId: r.projectId,
          eventType,
          url: flow.webhookUrl,
          payload: {
            type: eventType,
            timestamp: at,
            data: {
              appRegistration: r.id,
              project: r.projectId,
              projectFlow: r.flowId,
              person: personId,
              collection: collectionId,
              livenessScore: liveness,
            },
          },
        },
      ]
    : [];
  await ctx.store.saveAppRegistration(next, { enrolment, events });
  ctx.faces.add(collectionId, personId, analysis.template);
  if (events.length) ctx.webhooks?.kick();
  return { success: true, data: presentAppRegistration(next) };
}

export const appRegistrationHandlers: Record<string, Handler> = { createAppRegistrationBiometricValidation };
