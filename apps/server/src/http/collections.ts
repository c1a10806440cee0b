import { randomUUID } from 'node:crypto';
import { auth, type Handler } from '../context.js';
import { ApiError } from '../errors.js';
import { nowIso, objectId } from '../ids.js';
import { presentCollection } from '../present.js';
import type { Collection } from '../store/types.js';
import { collectionNotFound, idParam, pageOf, paging, projectNotFound, query } from './common.js';

export const collectionHandlers: Record<string, Handler> = {
  async createCollection(ctx, req) {
    const clientId = auth(req).subject;
    const b = req.body as { project: string; name: string; description?: string };
    const project = await ctx.store.getProject(clientId, b.project);
    if (!project) throw projectNotFound(b.project);
    const now = nowIso();
    const c: Collection = {
      id: objectId(),
      clientId,
      projectId: project.id,
      name: b.name,
      description: b.description,
      code: randomUUID(),
      createdAt: now,
      updatedAt: now,
    };
    await ctx.store.createCollection(c);
    return { success: true, data: presentCollection(c, 0) };
  },

  async listCollections(ctx, req) {
    const p = paging(req);
    const res = await ctx.store.listCollections(auth(req).subject, { ...p, projectId: query(req).project });
    const items = [];
    for (const c of res.items) items.push(presentCollection(c, await ctx.store.countPersons(c.id)));
    return pageOf(items, res.total, p);
  },

  async getCollection(ctx, req) {
    const c = await ctx.store.getCollection(auth(req).subject, idParam(req));
    if (!c) throw collectionNotFound(idParam(req));
    return { success: true, data: presentCollection(c, await ctx.store.countPersons(c.id)) };
  },

  async deleteCollection(ctx, req) {
    const c = await ctx.store.getCollection(auth(req).subject, idParam(req));
    if (!c) throw collectionNotFound(idParam(req));
    const flows = await ctx.store.flowsUsingCollection(c.id);
    if (flows.length)
      throw new ApiError(
        409,
        'COLLECTION_IN_USE',
        'Collection in use',
        `Collection ${c.id} is assigned to project flow ${flows.join(', ')}; unassign it first.`,
      );
    const counts = await ctx.store.deleteCollection(c.id);
    ctx.faces.removeCollection(c.id);
    return { success: true, data: { _id: c.id, deleted: true, ...counts } };
  },
};
