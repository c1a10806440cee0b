import type { FastifyRequest } from 'fastify';
import { type AppContext, auth, type Handler } from '../context.js';
import { notFound } from '../errors.js';
import { presentPerson } from '../present.js';
import { idParam, pageOf, paging, query } from './common.js';

async function personOf(ctx: AppContext, req: FastifyRequest) {
  const p = await ctx.store.getPerson(auth(req).subject, idParam(req));
  if (!p)
    throw notFound(
      'PERSON_NOT_FOUND',
      'Person not found',
      `No person ${idParam(req)} belongs to this client.`,
    );
  return p;
}

export const personHandlers: Record<string, Handler> = {
  async listPersons(ctx, req) {
    const p = paging(req);
    const q = query(req);
    const res = await ctx.store.listPersons(auth(req).subject, {
      ...p,
      projectId: q.project,
      collectionId: q.collection,
    });
    return pageOf(res.items.map(presentPerson), res.total, p);
  },

  async getPerson(ctx, req) {
    return { success: true, data: presentPerson(await personOf(ctx, req)) };
  },

  async deletePerson(ctx, req) {
    const p = await personOf(ctx, req);
    const counts = await ctx.store.deletePerson(p.id);
    ctx.faces.removePerson(p.collectionId, p.id);
    return { success: true, data: { _id: p.id, deleted: true, ...counts } };
  },
};
