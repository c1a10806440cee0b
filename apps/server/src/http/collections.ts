import { randomUUID } from 'node:crypto';
import { auth } from '../context.js';
import { operation } from '../contract/operation.js';
import { apiError } from '../errors.js';
import { nowIso, objectId } from '../ids.js';
import { presentCollection } from '../present.js';
import type { Collection } from '../store/types.js';
import { collectionNotFound, pageOf, paging, projectNotFound } from './common.js';

export const collectionHandlers = {
  ...operation('createCollection')(async (ctx, req, { op }) => {
    const clientId = auth(req).subject;
    const b = req.body;
    const project = await ctx.store.getProject(clientId, b.project);
    if (!project) throw projectNotFound(op, b.project);
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
  }),

  ...operation('listCollections')(async (ctx, req) => {
    const p = paging(req.query);
    const res = await ctx.store.listCollections(auth(req).subject, { ...p, projectId: req.query.project });
    const items = [];
    for (const c of res.items) items.push(presentCollection(c, await ctx.store.countPersons(c.id)));
    return pageOf(items, res.total, p);
  }),

  ...operation('getCollection')(async (ctx, req, { op }) => {
    const c = await ctx.store.getCollection(auth(req).subject, req.params.id);
    if (!c) throw collectionNotFound(op, req.params.id);
    return { success: true, data: presentCollection(c, await ctx.store.countPersons(c.id)) };
  }),

  ...operation('deleteCollection')(async (ctx, req, { op }) => {
    const c = await ctx.store.getCollection(auth(req).subject, req.params.id);
    if (!c) throw collectionNotFound(op, req.params.id);
    const flows = await ctx.store.flowsUsingCollection(c.id);
    if (flows.length)
      throw apiError(
        op,
        409,
        'COLLECTION_IN_USE',
        'Collection in use',
        `Collection ${c.id} is assigned to project flow ${flows.join(', ')}; unassign it first.`,
      );
    const live = await ctx.store.liveValidationsInCollection(c.id, nowIso());
    if (live.length)
      throw apiError(
        op,
        409,
        'COLLECTION_IN_USE',
        'Collection in use',
        `Collection ${c.id} is used by biometric validation ${live.join(', ')} in progress; wait until it is completed, failed or expired.`,
      );
    const counts = await ctx.store.deleteCollection(c.id);
    ctx.faces.removeCollection(c.id);
    return { success: true, data: { _id: c.id, deleted: true, ...counts } };
  }),
};
